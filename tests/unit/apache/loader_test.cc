// The Apache loader: Include rules, Define/${VAR}, the <If…> sections httpd
// evaluates while reading, and the errors it reports.
#include "apache/config/loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apache/config/envvars.h"
#include "apache/config/modules.h"
#include "apache/config/parse_error.h"
#include "apache/config/words.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::apache {
namespace {

using nginx::testing::MemFilesystem;
using Values = std::vector<std::string>;

LoadOptions At(const std::string& root,
               const std::string& file = "httpd.conf") {
  LoadOptions o;
  o.server_root = root;
  o.config_file = file;
  return o;
}

// "Name arg arg" for each active directive (sections as "<Name>").
Values Active(const ConfigGraph& graph) {
  Values out;
  for (const ActiveNode& a : graph.active()) {
    std::string line =
        a.node->is_section() ? "<" + a.node->name() + ">" : a.node->name();
    for (const std::string& arg : a.args) line += " " + arg;
    out.push_back(line);
  }
  return out;
}

void ExpectError(MemFilesystem& fs, const LoadOptions& options,
                 const std::string& file, int line, const std::string& part) {
  try {
    ConfigGraph::Load(fs, options);
    ADD_FAILURE() << "no ParseError (" << part << ")";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_EQ(e.line(), line);
    EXPECT_NE(e.reason().find(part), std::string::npos) << e.what();
  }
}

TEST(ApacheLoaderTest, IncludesRelativeToServerRootInHttpdOrder) {
  MemFilesystem fs;
  fs.AddFile("/e/httpd.conf",
             "A 1\nInclude conf.d/*.conf\nIncludeOptional none/*.conf\n"
             "IncludeOptional missing.conf\nInclude /abs/dir\nZ 9\n");
  fs.AddFile("/e/conf.d/b.conf", "B 2\n");
  fs.AddFile("/e/conf.d/a.conf", "A 2\n");
  fs.AddFile("/e/conf.d/.hidden.conf", "HIDDEN\n");
  fs.AddFile("/e/conf.d/x.txt", "TXT\n");
  fs.AddFile("/abs/dir/sub/z", "DIRZ\n");
  fs.AddFile("/abs/dir/.dot", "DIRDOT\n");
  ConfigGraph graph = ConfigGraph::Load(fs, At("/e"));
  EXPECT_EQ(Active(graph),
            (Values{"A 1", "A 2", "B 2", "DIRDOT", "DIRZ", "Z 9"}));
  EXPECT_EQ(graph.files().size(), 5u);
  EXPECT_NE(graph.FindFile("/e/conf.d/a.conf"), nullptr);
}

TEST(ApacheLoaderTest, ServerRootDirectiveMovesLaterIncludes) {
  MemFilesystem fs;
  fs.AddFile("/e/httpd.conf", "ServerRoot /other\nInclude x.conf\n");
  fs.AddFile("/other/x.conf", "X\n");
  ConfigGraph graph = ConfigGraph::Load(fs, At("/e"));
  EXPECT_EQ(graph.server_root(), "/other");
  EXPECT_EQ(Active(graph).back(), "X");
}

TEST(ApacheLoaderTest, DefinesAndVariables) {
  MemFilesystem fs;
  fs.AddFile("/e/httpd.conf",
             "Define PORT 8080\nDefine FLAG\nListen ${PORT}\n"
             "Alias /x \"${DIR}/a b\"\nLogFormat ${TWO}\n"
             "<VirtualHost *:${PORT}>\n</VirtualHost>\n"
             "UnDefine PORT\nListen ${PORT}\n");
  LoadOptions o = At("/e");
  o.environment = {{"DIR", "/srv"}, {"TWO", "x y"}, {"PORT", "env"}};
  ConfigGraph graph = ConfigGraph::Load(fs, o);
  EXPECT_EQ(Active(graph),
            (Values{"Define PORT 8080", "Define FLAG", "Listen 8080",
                    "Alias /x /srv/a b", "LogFormat x y",
                    "<VirtualHost> *:8080", "UnDefine PORT", "Listen env"}));
  EXPECT_TRUE(graph.defines().count("FLAG"));
  EXPECT_FALSE(graph.defines().count("PORT"));

  fs.AddFile("/e/u.conf", "Listen ${NOPE}\n");
  ConfigGraph u = ConfigGraph::Load(fs, At("/e", "u.conf"));
  EXPECT_EQ(Active(u), Values{"Listen ${NOPE}"});
  EXPECT_EQ(u.warnings(),
            Values{"/e/u.conf:1: Config variable ${NOPE} is not defined"});
}

TEST(ApacheLoaderTest, ConditionsEvaluatedWhileReading) {
  MemFilesystem fs;
  fs.AddFile("/e/httpd.conf",
             "<IfModule mod_ssl.c>\nBEFORE_LOAD\n</IfModule>\n"
             "LoadModule ssl_module modules/mod_ssl.so\n"
             "<IfModule ssl_module>\nSSL_ID\n</IfModule>\n"
             "<IfModule mod_ssl.c>\nSSL_FILE\n</IfModule>\n"
             "<IfModule !mod_rewrite.c>\nNO_REWRITE\n</IfModule>\n"
             "<IfModule mod_version.c>\nBUILTIN\n</IfModule>\n"
             "<IfDefine CLI>\nCLI\n</IfDefine>\n<IfDefine !CLI>\nNOT_CLI\n"
             "</IfDefine>\n<IfDefine LATER>\nNOT_YET\n</IfDefine>\n"
             "Define LATER\n<IfDefine LATER>\nLATER\n</IfDefine>\n"
             "<IfFile exists.txt>\nFILE\n</IfFile>\n"
             "<IfFile !/nope>\nNO_FILE\n</IfFile>\n"
             "<IfVersion >= 2.4.10>\nV24\n</IfVersion>\n"
             "<IfVersion < 2.4>\nV22\n</IfVersion>\n"
             "<IfModule nope.c>\nInclude missing.conf\n</IfModule>\n"
             "<Directory />\nINSIDE\n</Directory>\n");
  fs.AddFile("/e/exists.txt", "");
  LoadOptions o = At("/e");
  o.defines = {"CLI"};
  ConfigGraph graph = ConfigGraph::Load(fs, o);
  EXPECT_EQ(
      Active(graph),
      (Values{"LoadModule ssl_module modules/mod_ssl.so", "SSL_ID", "SSL_FILE",
              "NO_REWRITE", "BUILTIN", "CLI", "Define LATER", "LATER", "FILE",
              "NO_FILE", "V24", "<Directory> /", "INSIDE"}));
}

TEST(ApacheLoaderTest, VirtualHostOwnsWhatItIncludes) {
  MemFilesystem fs;
  fs.AddFile("/e/httpd.conf",
             "<VirtualHost *:80>\nInclude common.conf\n</VirtualHost>\n"
             "<VirtualHost *:81>\nInclude common.conf\n</VirtualHost>\n");
  fs.AddFile("/e/common.conf", "Alias /a /b\n");
  ConfigGraph graph = ConfigGraph::Load(fs, At("/e"));
  ASSERT_EQ(graph.active().size(), 4u);
  EXPECT_EQ(graph.active()[1].virtual_host, 0);
  EXPECT_EQ(graph.active()[3].virtual_host, 2);
  // Parsed once, walked twice.
  EXPECT_EQ(graph.files().size(), 2u);
  EXPECT_EQ(fs.reads("/e/common.conf"), 1);
}

TEST(ApacheLoaderTest, IncludeErrorsNameTheIncludingLine) {
  MemFilesystem fs;
  fs.AddFile("/e/a.conf", "X\nInclude nothing/*.conf\n");
  ExpectError(fs, At("/e", "a.conf"), "/e/a.conf", 2, "No matches");
  fs.AddFile("/e/b.conf", "Include missing.conf\n");
  ExpectError(fs, At("/e", "b.conf"), "/e/b.conf", 1, "Could not open");
  fs.AddFile("/e/c.conf", "\nInclude d.conf\n");
  fs.AddFile("/e/d.conf", "Include c.conf\n");
  ExpectError(fs, At("/e", "c.conf"), "/e/d.conf", 1, "include cycle");
  fs.AddFile("/e/e.conf", "Include a b\n");
  ExpectError(fs, At("/e", "e.conf"), "/e/e.conf", 1, "takes one argument");
  fs.AddFile("/e/f.conf", "Include g.conf\n");
  fs.AddFile("/e/g.conf", "<VirtualHost *:80>\n");
  ExpectError(fs, At("/e", "f.conf"), "/e/g.conf", 1, "was not closed");
  fs.AddFile("/e/h.conf", "<IfModule a b>\n</IfModule>\n");
  ExpectError(fs, At("/e", "h.conf"), "/e/h.conf", 1, "one argument");
}

TEST(ApacheLoaderTest, ModuleSourceNames) {
  EXPECT_EQ(ModuleSourceName("ssl_module"), "mod_ssl.c");
  EXPECT_EQ(ModuleSourceName("mpm_event_module"), "event.c");
  EXPECT_EQ(ModuleSourceName("http_module"), "http_core.c");
  EXPECT_EQ(ModuleSourceName("core_module"), "core.c");
  EXPECT_EQ(ModuleSourceName("mod_rewrite.c"), "mod_rewrite.c");
}

TEST(ApacheLoaderTest, WordsAndVariables) {
  std::vector<std::string> undefined;
  EXPECT_EQ(ResolveVariables(
                "a ${X} ${Y} ${unterminated",
                [](const std::string& n) -> std::optional<std::string> {
                  if (n == "X") return "1";
                  return std::nullopt;
                },
                &undefined),
            "a 1 ${Y} ${unterminated");
  EXPECT_EQ(undefined, Values{"Y"});
  const std::vector<WordSpan> words = SplitWords("  \"a b\"c 'd\\'e' \"open");
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0].value, "a b");
  EXPECT_EQ(words[0].begin, 2u);
  EXPECT_EQ(words[1].value, "c");
  EXPECT_EQ(words[2].value, "d'e");
  EXPECT_EQ(words[3].value, "open");
}

TEST(ApacheLoaderTest, DebianEnvvars) {
  const std::string text =
      "unset HOME\n"
      "if [ \"${APACHE_CONFDIR##/etc/apache2-}\" != \"${APACHE_CONFDIR}\" ] ; "
      "then\n"
      "\tSUFFIX=\"-${APACHE_CONFDIR##/etc/apache2-}\"\nelse\n\tSUFFIX=\nfi\n"
      "export APACHE_RUN_USER=www-data\n"
      "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\r\n"
      "export APACHE_PID_FILE=\"${APACHE_RUN_DIR:-/run}/x $HOME\"\n"
      "LANG=C\nexport LANG\nNOT_EXPORTED=1\n";
  const auto vars = ReadEnvvars(text, {{"HOME", "/root"}});
  EXPECT_EQ(vars.at("APACHE_RUN_USER"), "www-data");
  EXPECT_EQ(vars.at("APACHE_LOG_DIR"), "/var/log/apache2");
  EXPECT_EQ(vars.at("LANG"), "C");
  EXPECT_EQ(vars.count("NOT_EXPORTED"), 0u);
  EXPECT_EQ(vars.count("SUFFIX"), 0u);
  EXPECT_EQ(vars.at("APACHE_PID_FILE"), "/x /root");
}

}  // namespace
}  // namespace certpilot::apache
