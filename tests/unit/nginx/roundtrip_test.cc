// Parse → dump is byte-identical for every file of the corpus in
// tests/data/nginx and for a table of tricky snippets.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "nginx/config/dumper.h"
#include "nginx/config/parser.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx {
namespace {

using testing::CorpusDir;
using testing::ReadDiskFile;

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(CorpusDir())) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == ".gitattributes") continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

size_t CountDirectives(const Block& block) {
  size_t n = 0;
  for (const Directive& d : block.children()) {
    n += 1 + CountDirectives(d.block());
  }
  return n;
}

TEST(NginxRoundTripTest, EveryCorpusFileDumpsByteIdentical) {
  const std::vector<std::string> files = CorpusFiles();
  // The stock Debian files, a dozen-plus hand-written ones, the include tree.
  ASSERT_GE(files.size(), 30u);
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    const std::string text = ReadDiskFile(path);
    const Config config = ParseConfig(text, path);
    EXPECT_EQ(config.Dump(), text);
    EXPECT_FALSE(config.IsModified());
    // Non-trivial files really are split into directives (not one blob).
    if (text.find(';') != std::string::npos) {
      EXPECT_GT(CountDirectives(config.root()), 0u);
    }
  }
}

TEST(NginxRoundTripTest, DebianStockFilesHaveTheExpectedShape) {
  const std::string dir = CorpusDir() + "/debian";
  const Config main =
      ParseConfig(ReadDiskFile(dir + "/nginx.conf"), "nginx.conf");
  std::vector<std::string> top;
  for (const Directive& d : main.root().children()) top.push_back(d.name());
  EXPECT_EQ(top, (std::vector<std::string>{"user", "worker_processes", "pid",
                                           "error_log", "include", "events",
                                           "http"}));
  const Directive* http = main.root().Find("http");
  ASSERT_NE(http, nullptr);
  // The commented-out mail block stays trivia.
  EXPECT_EQ(main.root().Find("mail"), nullptr);
  EXPECT_NE(main.root().closing().find("#mail {"), std::string::npos);
  EXPECT_EQ(main.indent_unit(), "\t");

  const Config site =
      ParseConfig(ReadDiskFile(dir + "/sites-available/default"), "default");
  std::vector<const Directive*> servers;
  for (const Directive& d : site.root().children()) {
    if (d.name() == "server") servers.push_back(&d);
  }
  ASSERT_EQ(servers.size(), 1u);  // the second one is commented out
  const Directive* listen = servers[0]->block().Find("listen");
  ASSERT_NE(listen, nullptr);
  EXPECT_EQ(listen->ArgValues(),
            (std::vector<std::string>{"80", "default_server"}));
}

TEST(NginxRoundTripTest, TrickySnippetsRoundTrip) {
  const std::vector<std::string> snippets = {
      "",
      "\n",
      "# only a comment",
      "# only a comment\n",
      "a;",
      "a b c;",
      "a;b;c;",
      "a{}",
      "a {\n}\n",
      "a { b; }  # trailing\n",
      "a\n\n;\n",
      "\r\n\r\na 1;\r\n",
      "a \"x;y{z}#w\" 'q\\'r' \"s\\\"t\";",
      "a ${b}c;",
      "a x${b}${{c}};",  // '{' right after '$' stays in the word
      "a b#c;",
      "a b}c;",
      "if ($a = \"b\") { c; }",
      "if ($a ~ \"x{1,2}\"){c;}",
      "a \"b\");",
      "a\\;b c\\ d;",
      "a 'multi\nline';",
      "x_by_lua_block { if a then b() end }",
      "x_by_lua_block {}",
      "x_by_lua_block { s = \"}\" t = '{' --[[ } ]] u = [=[ } ]=] }\n",
      "x_by_lua_block { -- }\n }",
      "set_by_lua_block $v { return \"{\" }",
      "a;\t \t\n\t\n",
      "\t a \t b \t ; \t # c \t \n",
      "a {\n\tb {\n\t\tc;\n\t}\n}",
      "a\x0b;",  // vertical tab is not whitespace to nginx
  };
  for (const std::string& text : snippets) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseConfig(text, "t.conf").Dump(), text);
  }
}

TEST(NginxRoundTripTest, TenThousandLinesParse) {
  std::string text = "http {\n";
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    text += "    server {\n        listen 80;\n        server_name h" + n +
            ".example.com;  # host " + n +
            "\n        location / { proxy_pass "
            "http://127.0.0.1:8080; }\n    }\n";
  }
  text += "}\n";
  const Config config = ParseConfig(text, "big.conf");
  EXPECT_EQ(config.root().Find("http")->block().children().size(), 2000u);
  EXPECT_EQ(config.Dump(), text);
}

}  // namespace
}  // namespace certpilot::nginx
