// Broken inputs: ParseError names the file, the exact line and column, and
// what is wrong.
#include "nginx/config/parse_error.h"

#include <gtest/gtest.h>

#include <string>

#include "nginx/config/parser.h"

namespace certpilot::nginx {
namespace {

struct Broken {
  std::string name;
  std::string text;
  int line;
  int column;
  std::string reason_part;
};

TEST(NginxParseErrorTest, PositionsAndReasons) {
  const std::vector<Broken> cases = {
      // Missing ';': just after the last word of the directive.
      {"missing semicolon before brace", "server {\n    listen 80\n}\n", 2, 14,
       "directive \"listen\" is not terminated by \";\""},
      {"missing semicolon at eof", "worker_processes 4", 1, 19,
       "unexpected end of file"},
      {"missing semicolon, words on two lines",
       "a {\n  add_header X\n     \"y\"  \n}", 3, 9, "\"add_header\""},
      // Unbalanced braces.
      {"unclosed block", "http {\n  server {\n    listen 80;\n  }\n", 1, 6,
       "block \"http\" opened here is not closed"},
      {"unclosed inner block", "http {\n  server {\n", 2, 10,
       "block \"server\""},
      {"unexpected close", "events {}\n}\n", 2, 1,
       "unexpected \"}\": there is no open block"},
      {"close after top-level directive", "a 1;\n  }", 2, 3, "no open block"},
      // Unterminated strings: at the opening quote.
      {"unterminated double quote", "a {\n  return 200 \"ok;\n}\n", 2, 14,
       "unterminated string: no closing \""},
      {"unterminated single quote", "log_format x 'abc\\';\n", 1, 14,
       "no closing '"},
      {"unterminated lua string", "content_by_lua_block {\n  ngx.say(\"}\n}\n",
       2, 11, "unterminated Lua string"},
      {"unterminated lua block", "x {\n  content_by_lua_block {\n  a()\n", 2,
       24, "Lua block opened here is not closed"},
      {"unterminated lua long comment", "init_by_lua_block { --[==[ } ]] }", 1,
       23, "unterminated Lua comment"},
      // Junk right after a quoted string (nginx: unexpected "x").
      {"glued after quote", "a \"b\"c;", 1, 6, "unexpected \"c\""},
      {"comment glued after quote", "a \"b\"#c\n;", 1, 6, "unexpected \"#\""},
      // Terminators without a directive.
      {"lone semicolon", "a;\n;", 2, 1, "unexpected \";\""},
      {"double semicolon", "a {\n  b;;\n}", 2, 5, "unexpected \";\""},
      {"lone brace", "{ a; }", 1, 1, "unexpected \"{\""},
  };
  for (const Broken& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      ParseConfig(c.text, "/etc/nginx/broken.conf");
      ADD_FAILURE() << "parsed";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.file(), "/etc/nginx/broken.conf");
      EXPECT_EQ(e.line(), c.line);
      EXPECT_EQ(e.column(), c.column);
      EXPECT_NE(e.reason().find(c.reason_part), std::string::npos)
          << e.reason();
      EXPECT_EQ(std::string(e.what()),
                "/etc/nginx/broken.conf:" + std::to_string(c.line) + ":" +
                    std::to_string(c.column) + ": " + e.reason());
    }
  }
}

TEST(NginxParseErrorTest, IsACertpilotError) {
  EXPECT_THROW(ParseConfig("}", "x"), Error);
}

TEST(NginxParseErrorTest, ColumnsCountBytesAndLinesCountLf) {
  try {
    ParseConfig("a;\r\n\tb \"x", "t.conf");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 4);  // tab = 1 byte
  }
}

TEST(NginxParseErrorTest, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < kMaxNesting + 1; ++i) deep += "a{";
  try {
    ParseConfig(deep, "t.conf");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 2 * kMaxNesting + 2);
    EXPECT_NE(e.reason().find("nested"), std::string::npos);
  }
  std::string ok;
  for (int i = 0; i < kMaxNesting; ++i) ok += "a{";
  ok += std::string(kMaxNesting, '}');
  EXPECT_EQ(ParseConfig(ok, "t.conf").Dump(), ok);
}

}  // namespace
}  // namespace certpilot::nginx
