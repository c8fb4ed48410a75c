// What the parser makes of nginx syntax: words and their values, kinds,
// where trivia goes, positions.
#include "nginx/config/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nginx/config/lexer.h"

namespace certpilot::nginx {
namespace {

std::vector<std::string> Values(const Directive& d) { return d.ArgValues(); }

TEST(NginxParserTest, WordsAndValues) {
  const Config c = ParseConfig(
      "set $a \"x;y{z}#w\";\n"
      "set $b 'it\\'s';\n"
      "set $c \"C:\\\\dir \\\"q\\\" \\t\";\n"
      "set $d ${host}_$uri;\n"
      "set $e a#b;\n"
      "set $f x}y;\n"
      "set $g a\\;b;\n"
      "set $h \"\";\n"
      "set $i \\d;\n",
      "t.conf");
  std::vector<std::vector<std::string>> got;
  for (const Directive& d : c.root().children()) got.push_back(Values(d));
  const std::vector<std::vector<std::string>> want = {
      {"$a", "x;y{z}#w"},     {"$b", "it's"}, {"$c", "C:\\dir \"q\" \t"},
      {"$d", "${host}_$uri"}, {"$e", "a#b"},  {"$f", "x}y"},
      {"$g", "a\\;b"},        {"$h", ""},  // nginx keeps "\;" as is
      {"$i", "\\d"},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(c.root().children().front().args()[1].raw(), "\"x;y{z}#w\"");
  EXPECT_TRUE(c.root().children().front().args()[1].quoted());
}

TEST(NginxParserTest, QuotedDirectiveNameCountsByValue) {
  const Config c = ParseConfig("\"listen\" 80;", "t.conf");
  EXPECT_EQ(c.root().children().front().name(), "listen");
  EXPECT_EQ(c.root().children().front().name_word().raw(), "\"listen\"");
}

TEST(NginxParserTest, IfConditionsSplitLikeNginx) {
  const Config c = ParseConfig(
      "if ($request_uri ~* \"^/a{2,3}/(.*)$\") { return 404; }\n"
      "if ($host = \"x\")) { return 404; }\n",
      "t.conf");
  const Directive& first = c.root().children().front();
  EXPECT_TRUE(first.has_block());
  EXPECT_EQ(Values(first), (std::vector<std::string>{"($request_uri", "~*",
                                                     "^/a{2,3}/(.*)$", ")"}));
  // nginx starts a new word at ')' right after a quote: "))" is one word.
  EXPECT_EQ(Values(c.root().children().back()),
            (std::vector<std::string>{"($host", "=", "x", "))"}));
}

TEST(NginxParserTest, LocationModifiersAreArguments) {
  const Config c = ParseConfig(
      "location = / {}\nlocation ^~ /i/ {}\nlocation ~* \\.png$ {}\n"
      "location ~ ^/v[0-9]+/ {}\nlocation @x {}\n",
      "t.conf");
  std::vector<std::vector<std::string>> got;
  for (const Directive& d : c.root().children()) got.push_back(Values(d));
  EXPECT_EQ(got, (std::vector<std::vector<std::string>>{{"=", "/"},
                                                        {"^~", "/i/"},
                                                        {"~*", "\\.png$"},
                                                        {"~", "^/v[0-9]+/"},
                                                        {"@x"}}));
}

TEST(NginxParserTest, LuaBlockBodyIsVerbatim) {
  const std::string body =
      " -- } \n local t = { s = \"}\", u = '{' } --[[ } ]] x = [==[ }]] ]==] ";
  const Config c =
      ParseConfig("content_by_lua_block {" + body + "}\nnext 1;\n", "t.conf");
  ASSERT_EQ(c.root().children().size(), 2u);
  const Directive& lua = c.root().children().front();
  EXPECT_EQ(lua.kind(), Directive::Kind::kLuaBlock);
  EXPECT_FALSE(lua.has_block());
  EXPECT_EQ(lua.lua_body(), body);
  EXPECT_EQ(c.root().children().back().name(), "next");
}

TEST(NginxParserTest, SetByLuaBlockKeepsItsVariable) {
  const Config c = ParseConfig("set_by_lua_block $res { return 1 }", "t.conf");
  const Directive& d = c.root().children().front();
  EXPECT_EQ(d.kind(), Directive::Kind::kLuaBlock);
  EXPECT_EQ(Values(d), (std::vector<std::string>{"$res"}));
  EXPECT_EQ(d.lua_body(), " return 1 ");
}

TEST(NginxParserTest, TriviaAttachment) {
  const std::string text =
      "# header\n"
      "\n"
      "http {  # open\n"
      "    a 1;   # one\n"
      "\n"
      "    # about b\n"
      "    b 2; c 3;\n"
      "    # tail\n"
      "}\n"
      "# end";
  const Config c = ParseConfig(text, "t.conf");
  const Directive& http = c.root().children().front();
  EXPECT_EQ(http.leading(), "# header\n\n");
  EXPECT_EQ(http.block().after_open(), "  # open\n");
  auto it = http.block().children().begin();
  EXPECT_EQ(it->leading(), "    ");
  EXPECT_EQ(it->trailing(), "   # one\n");
  ++it;
  EXPECT_EQ(it->name(), "b");
  EXPECT_EQ(it->leading(), "\n    # about b\n    ");
  EXPECT_EQ(it->trailing(), "");  // c follows on the same line
  ++it;
  EXPECT_EQ(it->leading(), " ");
  EXPECT_EQ(it->trailing(), "\n");
  EXPECT_EQ(http.block().closing(), "    # tail\n");
  EXPECT_EQ(http.trailing(), "\n");
  EXPECT_EQ(c.root().closing(), "# end");
}

TEST(NginxParserTest, ArgumentsAcrossLinesWithComments) {
  const Config c = ParseConfig(
      "log_format main\n    'a'  # first\n    # between\n    'b';\n", "t.conf");
  const Directive& d = c.root().children().front();
  EXPECT_EQ(Values(d), (std::vector<std::string>{"main", "a", "b"}));
  EXPECT_EQ(d.args()[2].space_before(), "  # first\n    # between\n    ");
}

TEST(NginxParserTest, PositionsAreOneBasedLineAndByteColumn) {
  const Config c = ParseConfig("a;\n\tb {\n  c;\n\t}\n", "t.conf");
  const Directive& b = c.root().children().back();
  EXPECT_EQ(b.line(), 2);
  EXPECT_EQ(b.column(), 2);
  EXPECT_EQ(b.block().children().front().line(), 3);
  EXPECT_EQ(b.block().children().front().column(), 3);
}

TEST(NginxParserTest, StyleDetection) {
  EXPECT_EQ(ParseConfig("a {\r\n  b;\r\n}\r\n", "t").newline(), "\r\n");
  EXPECT_EQ(ParseConfig("a {\r\n  b;\r\n}\r\n", "t").indent_unit(), "  ");
  EXPECT_EQ(ParseConfig("a {\n\tb;\n}\n", "t").indent_unit(), "\t");
  EXPECT_EQ(ParseConfig("a;", "t").newline(), "\n");
  EXPECT_EQ(ParseConfig("a;", "t").indent_unit(), "    ");
}

TEST(NginxLexerTest, WordValueFollowsNginx) {
  EXPECT_EQ(WordValue("\"a\\\"b\""), "a\"b");
  EXPECT_EQ(WordValue("'a\\'b'"), "a'b");
  EXPECT_EQ(WordValue("a\\\\b"), "a\\b");
  EXPECT_EQ(WordValue("\"\\t\\r\\n\""), "\t\r\n");
  EXPECT_EQ(WordValue("\\d+"), "\\d+");
  EXPECT_EQ(WordValue("\"\""), "");
}

TEST(NginxLexerTest, IsSingleWord) {
  EXPECT_TRUE(IsSingleWord("$host"));
  EXPECT_TRUE(IsSingleWord("https://$host$request_uri"));
  EXPECT_TRUE(IsSingleWord("\"text/plain\""));
  EXPECT_TRUE(IsSingleWord("\"a b;c\""));
  EXPECT_TRUE(IsSingleWord("example.com)"));
  EXPECT_FALSE(IsSingleWord(""));
  EXPECT_FALSE(IsSingleWord("a b"));
  EXPECT_FALSE(IsSingleWord("a;b"));
  EXPECT_FALSE(IsSingleWord("a{b"));
  EXPECT_FALSE(IsSingleWord("#a"));
  EXPECT_FALSE(IsSingleWord("}"));
  EXPECT_FALSE(IsSingleWord("a\\"));     // would escape the ';' after it
  EXPECT_FALSE(IsSingleWord("\"a"));     // unterminated
  EXPECT_FALSE(IsSingleWord("\"a\"b"));  // junk after the quote
  EXPECT_FALSE(IsSingleWord("a\nb"));    // control character
  EXPECT_FALSE(IsSingleWord("\"a\nb\""));
}

}  // namespace
}  // namespace certpilot::nginx
