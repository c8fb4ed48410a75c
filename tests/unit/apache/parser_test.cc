// The Apache parser: what httpd reads from a line (words, quotes, sections,
// continuations, comments, CRLF), byte-identical dumps, errors with file and
// line.
#include "apache/config/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apache/config/parse_error.h"

namespace certpilot::apache {
namespace {

using Values = std::vector<std::string>;

TEST(ApacheParserTest, DirectivesSectionsAndTrivia) {
  const std::string text =
      "# global\n"
      "ServerRoot \"/etc/apache2\"\n"
      "\n"
      "<VirtualHost *:80>\n"
      "\tServerName www.example.com\n"
      "  # inside\n"
      "\t<Directory /var/www/>\n"
      "\t\tRequire all granted\n"
      "\t</Directory>\n"
      "</VirtualHost>\n"
      "# end\n";
  const Config c = ParseConfig(text, "x.conf");
  EXPECT_EQ(c.Dump(), text);
  ASSERT_EQ(c.root().children().size(), 2u);
  const Node& root_dir = c.root().children().front();
  EXPECT_EQ(root_dir.name(), "ServerRoot");
  EXPECT_EQ(root_dir.ArgValues(), Values{"/etc/apache2"});
  EXPECT_EQ(root_dir.args()[0].raw(), "\"/etc/apache2\"");
  EXPECT_EQ(root_dir.leading(), "# global\n");
  const Node& vhost = c.root().children().back();
  EXPECT_TRUE(vhost.is_section());
  EXPECT_TRUE(vhost.Is("virtualhost"));
  EXPECT_EQ(vhost.ArgValues(), Values{"*:80"});
  EXPECT_EQ(vhost.line(), 4);
  EXPECT_EQ(vhost.close_word(), "</VirtualHost>");
  ASSERT_EQ(vhost.block().children().size(), 2u);
  const Node& dir = vhost.block().children().back();
  EXPECT_EQ(dir.leading(), "  # inside\n\t");
  EXPECT_EQ(dir.ArgValues(), Values{"/var/www/"});
  EXPECT_EQ(dir.block().children().front().ArgValues(),
            (Values{"all", "granted"}));
  EXPECT_EQ(c.root().closing(), "# end\n");
  EXPECT_EQ(c.FindAll("require").size(), 1u);
}

TEST(ApacheParserTest, QuotesAndEscapesAsApGetwordConf) {
  const Config c = ParseConfig(
      "Header set X \"a \\\"b\\\" c\" 'd e' f\\\\g \"h\"i\n", "x.conf");
  EXPECT_EQ(c.root().children().front().ArgValues(),
            (Values{"set", "X", "a \"b\" c", "d e", "f\\g", "h", "i"}));
}

TEST(ApacheParserTest, ContinuationsJoinLines) {
  const std::string text =
      "ServerAlias a.example \\\n    b.example\\\r\n c.example\n"
      "Server\\\nName joined\n"
      "# comment \\\nStill comment\n"
      "Path C:\\\\\nNext x\n";
  const Config c = ParseConfig(text, "x.conf");
  EXPECT_EQ(c.Dump(), text);
  auto it = c.root().children().begin();
  EXPECT_EQ(it->ArgValues(), (Values{"a.example", "b.example", "c.example"}));
  ++it;
  EXPECT_EQ(it->name(), "ServerName");
  EXPECT_EQ(it->line(), 5);  // httpd counts the last line of a continued one
  ++it;
  // An escaped backslash before the newline does not continue the line.
  EXPECT_EQ(it->name(), "Path");
  EXPECT_EQ(it->ArgValues(), Values{"C:\\"});
  EXPECT_EQ(it->leading(), "# comment \\\nStill comment\n");
  ++it;
  EXPECT_EQ(it->name(), "Next");
}

TEST(ApacheParserTest, CrlfNoFinalNewlineAndBlanks) {
  for (const std::string text :
       {"<IfModule mod_ssl.c>\r\n  Listen 443\r\n</IfModule>\r\n", "Listen 80",
        "  \n\t\n", "", "Listen 80   \t\r\n# c", "<Foo>\n</foo>"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseConfig(text, "x.conf").Dump(), text);
  }
  const Config c =
      ParseConfig("<IfModule !mod_ssl.c >\r\nListen 80\r\n</IfModule>", "x");
  EXPECT_EQ(c.root().children().front().ArgValues(), Values{"!mod_ssl.c"});
  EXPECT_EQ(c.root().children().front().tail(), " >\r\n");
}

TEST(ApacheParserTest, SectionArgumentsEndAtTheLastGreaterThan) {
  const Config c = ParseConfig(
      "<Directory \"/srv/a>b\">\n</Directory>\n<Location>\n</Location>\n",
      "x.conf");
  EXPECT_EQ(c.root().children().front().ArgValues(), Values{"/srv/a>b"});
  EXPECT_TRUE(c.root().children().back().args().empty());
  EXPECT_EQ(c.root().children().back().name(), "Location");
  // httpd ignores what follows the last '>' (checked with apache2 -S).
  const Config junk =
      ParseConfig("<VirtualHost *:80> junk\n</VirtualHost>\n", "x");
  EXPECT_EQ(junk.root().children().front().ArgValues(), Values{"*:80"});
  EXPECT_EQ(junk.root().children().front().tail(), "> junk\n");
}

void ExpectError(const std::string& text, int line, const std::string& part) {
  SCOPED_TRACE(text);
  try {
    ParseConfig(text, "/etc/apache2/sites-enabled/x.conf");
    ADD_FAILURE() << "no ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "/etc/apache2/sites-enabled/x.conf");
    EXPECT_EQ(e.line(), line);
    EXPECT_NE(e.reason().find(part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.conf:" + std::to_string(line)),
              std::string::npos);
  }
}

TEST(ApacheParserTest, ErrorsNameFileAndLine) {
  ExpectError("Listen 80\n<VirtualHost *:80\n</VirtualHost>\n", 2,
              "missing closing '>'");
  ExpectError("\n<VirtualHost *:80>\nServerName a\n", 2, "was not closed");
  ExpectError("<VirtualHost *:80>\n</Directory>\n", 2,
              "expected </VirtualHost> but saw </Directory>");
  ExpectError("\n\n</VirtualHost>\n", 3, "without matching section");
  ExpectError("< foo>\n", 1, "without a name");
  ExpectError("<VirtualHost *:80>\n</VirtualHost >\n", 2, "expected");
  std::string deep;
  for (int i = 0; i <= kMaxNesting + 1; ++i) deep += "<If x>\n";
  ExpectError(deep, kMaxNesting + 1, "nested too deeply");
}

}  // namespace
}  // namespace certpilot::apache
