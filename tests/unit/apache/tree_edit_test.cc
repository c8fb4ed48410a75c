// New words and nodes, Config::Append and Config::Remove: siblings'
// indentation and newline style, exact restoration.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apache/config/parser.h"
#include "apache/config/tree.h"
#include "apache/config/words.h"
#include "util/error.h"

namespace certpilot::apache {
namespace {

using Values = std::vector<std::string>;

TEST(ApacheTreeEditTest, ValuesAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(Word::FromValue("/var/www/html").raw(), "/var/www/html");
  EXPECT_EQ(Word::FromValue("a b").raw(), "\"a b\"");
  EXPECT_EQ(Word::FromValue("say \"hi\"").raw(), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Word::FromValue("C:\\x").raw(), "C:\\\\x");
  EXPECT_EQ(Word::FromValue("#x").raw(), "\"#x\"");
  for (const std::string bad : {"", "a\nb", "${X}", "end\\", "a\rb"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(Word::FromValue(bad), UsageError);
  }
  EXPECT_THROW(Node::Directive("Bad Name", {}), UsageError);
  EXPECT_THROW(Node::Directive("<Include", {}), UsageError);
}

TEST(ApacheTreeEditTest, AppendFollowsSiblingsAndRemoveRestores) {
  const std::string text =
      "Listen 80\n"
      "<VirtualHost *:80>\n"
      "\tServerName a.example\n"
      "\t# keep me\n"
      "</VirtualHost>\n"
      "<IfModule mod_ssl.c>\n"
      "  <VirtualHost *:443>\n"
      "  </VirtualHost>\n"
      "</IfModule>\n";
  Config c = ParseConfig(text, "x.conf");
  const Node& vhost = *std::next(c.root().children().begin());
  const Node& inner = c.root().children().back().block().children().front();
  Node& a = c.Append(&vhost, Node::Directive("Include", {"/var/lib/x y.conf"}));
  Node& b = c.Append(
      &inner, Node::Section("Directory", {"/srv"},
                            {Node::Directive("Require", {"all", "granted"})}));
  Node& d = c.Append(nullptr, Node::Directive("ServerName", {"main.example"}));
  EXPECT_EQ(c.Dump(),
            "Listen 80\n"
            "<VirtualHost *:80>\n"
            "\tServerName a.example\n"
            "\tInclude \"/var/lib/x y.conf\"\n"
            "\t# keep me\n"
            "</VirtualHost>\n"
            "<IfModule mod_ssl.c>\n"
            "  <VirtualHost *:443>\n"
            "      <Directory /srv>\n"
            "          Require all granted\n"
            "      </Directory>\n"
            "  </VirtualHost>\n"
            "</IfModule>\n"
            "ServerName main.example\n");
  // What httpd reads back.
  const Config again = ParseConfig(c.Dump(), "x.conf");
  EXPECT_EQ(again.FindAll("Include").front()->ArgValues(),
            Values{"/var/lib/x y.conf"});
  EXPECT_EQ(again.FindAll("Require").size(), 1u);
  c.Remove(b);
  c.Remove(a);
  c.Remove(d);
  EXPECT_EQ(c.Dump(), text);
}

TEST(ApacheTreeEditTest, CrlfAndNoFinalNewline) {
  const std::string text = "<VirtualHost *:80>\r\n</VirtualHost>\r\nListen 80";
  Config c = ParseConfig(text, "x.conf");
  Node& added = c.Append(&c.root().children().front(),
                         Node::Directive("Alias", {"/a", "/b"}));
  Node& last = c.Append(nullptr, Node::Directive("Listen", {"81"}));
  EXPECT_EQ(c.Dump(),
            "<VirtualHost *:80>\r\n    Alias /a /b\r\n</VirtualHost>\r\n"
            "Listen 80\r\nListen 81\r\n");
  c.Remove(last);
  c.Remove(added);
  EXPECT_EQ(c.Dump(), text);
}

TEST(ApacheTreeEditTest, AFinalBackslashStaysLiteral) {
  // Found by the fuzzer: a newline right after it would have continued the
  // last line into the new one.
  // A final continuation (joined with nothing) must not reach the new line.
  for (const std::string text :
       {"Alias /a C:\\", "Alias /a C:\\\r", "Alias /a C:\\x \\\n",
        "Alias /a C:\\x \\\r\n"}) {
    Config c = ParseConfig(text, "x.conf");
    Node& added = c.Append(nullptr, Node::Directive("Listen", {"81"}));
    const Config again = ParseConfig(c.Dump(), "x.conf");
    ASSERT_EQ(again.root().children().size(), 2u) << c.Dump();
    EXPECT_EQ(again.root().children().front().ArgValues()[0], "/a");
    EXPECT_EQ(again.root().children().back().ArgValues(), Values{"81"});
    c.Remove(added);
    EXPECT_EQ(c.Dump(), text);
  }
}

TEST(ApacheTreeEditTest, RemovingAParsedNodeKeepsItsComments) {
  Config c = ParseConfig("A 1\n  # about B\n  B 2\nC 3\n", "x.conf");
  c.Remove(*std::next(c.root().children().begin()));
  EXPECT_EQ(c.Dump(), "A 1\n  # about B\nC 3\n");
  c.Remove(c.root().children().back());
  EXPECT_EQ(c.Dump(), "A 1\n  # about B\n");
  const Config other = ParseConfig("X\n", "y.conf");
  EXPECT_THROW(c.Remove(other.root().children().front()),
               std::invalid_argument);
}

TEST(ApacheTreeEditTest, InsertAfterSetArgsAndMarkedAppend) {
  Config c = ParseConfig(
      "LoadModule a_module modules/a.so\r\n"
      "<VirtualHost *:443>\r\n"
      "\tSSLCertificateFile   \"/old cert.pem\"\r\n"
      "</VirtualHost>\r\n"
      "Listen 80",  // no final newline
      "x.conf");
  const Node& load = c.root().children().front();
  const Node& vhost = *std::next(c.root().children().begin());
  c.InsertAfter(load, Node::Directive("LoadModule", {"b_module", "b.so"}),
                "managed by certpilot");
  c.SetArgs(vhost.block().children().front(), {"/new.pem"});
  c.Append(&vhost, Node::Directive("SSLEngine", {"on"}), "ours");
  c.InsertAfter(c.root().children().back(), Node::Directive("Listen", {"443"}));
  EXPECT_EQ(c.Dump(),
            "LoadModule a_module modules/a.so\r\n"
            "# managed by certpilot\r\n"
            "LoadModule b_module b.so\r\n"
            "<VirtualHost *:443>\r\n"
            "\tSSLCertificateFile   /new.pem\r\n"
            "\t# ours\r\n"
            "\tSSLEngine on\r\n"
            "</VirtualHost>\r\n"
            "Listen 80\r\n"
            "Listen 443\r\n");
  // Reads back as written.
  const Config again = ParseConfig(c.Dump(), "x.conf");
  EXPECT_EQ(again.root().children().size(), 5u);
  EXPECT_THROW(c.Append(nullptr, Node::Directive("A", {}), "a\nb"), UsageError);
  const Config other = ParseConfig("X\n", "y.conf");
  EXPECT_THROW(
      c.InsertAfter(other.root().children().front(), Node::Directive("A", {})),
      std::invalid_argument);
  EXPECT_THROW(c.SetArgs(other.root().children().front(), {"1"}),
               std::invalid_argument);
}

TEST(ApacheTreeEditTest, PrependGoesRightAfterTheOpeningLine) {
  const std::string text =
      "<VirtualHost *:80>\n"
      "\t# The vhost's comment stays with its first directive.\n"
      "\tServerName a.test\n"
      "</VirtualHost>\n"
      "<VirtualHost *:81>\n"
      "</VirtualHost>\n";
  Config c = ParseConfig(text, "x.conf");
  const Node& first = c.root().children().front();
  const Node& empty = c.root().children().back();
  const Node& added = c.Prepend(first, Node::Directive("Include", {"/x.conf"}));
  c.Prepend(empty, Node::Directive("Include", {"/y.conf"}));
  EXPECT_EQ(c.Dump(),
            "<VirtualHost *:80>\n"
            "\tInclude /x.conf\n"
            "\t# The vhost's comment stays with its first directive.\n"
            "\tServerName a.test\n"
            "</VirtualHost>\n"
            "<VirtualHost *:81>\n"
            "\tInclude /y.conf\n"
            "</VirtualHost>\n");
  c.Remove(added);
  c.Remove(c.root().children().back().block().children().front());
  EXPECT_EQ(c.Dump(), text);  // byte for byte
  EXPECT_THROW(
      c.Prepend(first.block().children().front(), Node::Directive("A", {})),
      std::invalid_argument);  // not a section
}

}  // namespace
}  // namespace certpilot::apache
