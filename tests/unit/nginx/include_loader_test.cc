// Includes: globs relative to the server root, nested includes, per-file
// trees, the errors nginx would report.
#include "nginx/config/include_loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nginx/config/parse_error.h"
#include "sys/glob.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx {
namespace {

using sys::ExpandGlob;
using sys::HasGlobChars;
using testing::CorpusDir;
using testing::MemFilesystem;

std::vector<std::string> Paths(const std::vector<Config*>& files) {
  std::vector<std::string> out;
  for (const Config* f : files) out.push_back(f->path());
  return out;
}

TEST(NginxGlobTest, MatchesLikeGlob3) {
  MemFilesystem fs;
  fs.AddFile("/e/sites/b.conf", "");
  fs.AddFile("/e/sites/a.conf", "");
  fs.AddFile("/e/sites/.hidden.conf", "");
  fs.AddFile("/e/sites/c.conf.bak", "");
  fs.AddFile("/e/sites/sub/d.conf", "");
  fs.AddFile("/e/apps/x/app.conf", "");
  fs.AddFile("/e/apps/y/app.conf", "");
  fs.AddFile("/e/apps/y/other.txt", "");
  fs.AddFile("/e/apps/z", "not a dir");
  EXPECT_EQ(ExpandGlob(fs, "/e/sites/*.conf"),
            (std::vector<std::string>{"/e/sites/a.conf", "/e/sites/b.conf"}));
  EXPECT_EQ(ExpandGlob(fs, "/e/sites/*"),
            (std::vector<std::string>{"/e/sites/a.conf", "/e/sites/b.conf",
                                      "/e/sites/c.conf.bak", "/e/sites/sub"}));
  EXPECT_EQ(ExpandGlob(fs, "/e/sites/.*.conf"),
            (std::vector<std::string>{"/e/sites/.hidden.conf"}));
  EXPECT_EQ(
      ExpandGlob(fs, "/e/apps/*/app.conf"),
      (std::vector<std::string>{"/e/apps/x/app.conf", "/e/apps/y/app.conf"}));
  EXPECT_EQ(ExpandGlob(fs, "/e/sites/[ab].con?"),
            (std::vector<std::string>{"/e/sites/a.conf", "/e/sites/b.conf"}));
  EXPECT_TRUE(ExpandGlob(fs, "/e/none/*.conf").empty());
  EXPECT_TRUE(ExpandGlob(fs, "/e/sites/*.nope").empty());
  EXPECT_TRUE(HasGlobChars("a/[x]"));
  EXPECT_FALSE(HasGlobChars("/etc/nginx/mime.types"));
}

TEST(NginxIncludeLoaderTest, LoadsTheCorpusTreeFromDisk) {
  sys::PosixFilesystem fs;
  const std::string root = CorpusDir() + "/tree";
  ConfigGraph graph = ConfigGraph::Load(fs, root);
  EXPECT_EQ(Paths(graph.files()),
            (std::vector<std::string>{
                root + "/nginx.conf",
                root + "/mime.types",
                root + "/conf.d/10-upstreams.conf",
                root + "/conf.d/20-logging.conf",
                root + "/sites-enabled/00-default.conf",
                root + "/sites-enabled/example.com.conf",
                root + "/snippets/listen-80.conf",
                root + "/snippets/proxy.conf",
                root + "/sites-enabled/apps/blog/blog.conf",
                root + "/snippets/tls/params.conf",
                root + "/sites-enabled/apps/shop/shop.conf",
            }));
  // The hidden file is not matched by "*.conf".
  EXPECT_EQ(graph.FindFile(root + "/sites-enabled/.hidden.conf"), nullptr);
  // snippets/proxy.conf is included twice and parsed once.
  for (Config* f : graph.files()) {
    EXPECT_EQ(f->Dump(), testing::ReadDiskFile(f->path())) << f->path();
  }
  EXPECT_TRUE(graph.ModifiedFiles().empty());
}

TEST(NginxIncludeLoaderTest, ExpandShowsTheBlockAsNginxSeesIt) {
  MemFilesystem fs;
  fs.AddFile("/etc/nginx/nginx.conf",
             "http {\n  include conf.d/*.conf;\n  server_tokens off;\n}\n");
  fs.AddFile("/etc/nginx/conf.d/a.conf", "a 1;\ninclude /etc/nginx/b.inc;\n");
  fs.AddFile("/etc/nginx/b.inc", "b 2;\n");
  ConfigGraph graph = ConfigGraph::Load(fs, "/etc/nginx");
  Config& main = graph.main();
  Directive* http = main.root().Find("http");
  std::vector<std::string> seen;
  for (const Located& l : graph.Expand(main, http->block())) {
    seen.push_back(l.file->path() + ":" + l.directive->name());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "/etc/nginx/conf.d/a.conf:a", "/etc/nginx/b.inc:b",
                      "/etc/nginx/nginx.conf:server_tokens"}));
  const Directive* include = http->block().Find("include");
  EXPECT_EQ(include->included_paths(),
            (std::vector<std::string>{"/etc/nginx/conf.d/a.conf"}));
  EXPECT_EQ(Paths(graph.IncludedFiles(*include)),
            (std::vector<std::string>{"/etc/nginx/conf.d/a.conf"}));
  EXPECT_EQ(graph.FileOf(*graph.Expand(main, http->block())[1].directive),
            graph.FindFile("/etc/nginx/b.inc"));
}

TEST(NginxIncludeLoaderTest, AnEditChangesOnlyTheTouchedFile) {
  MemFilesystem fs;
  fs.AddFile("/etc/nginx/nginx.conf", "http {\n    include sites/*;\n}\n");
  const std::string site =
      "server {\n\tlisten 80;\n\tserver_name a.example;\n}\n";
  fs.AddFile("/etc/nginx/sites/a", site);
  fs.AddFile("/etc/nginx/sites/b", "server {\n    listen 81;\n}\n");
  ConfigGraph graph = ConfigGraph::Load(fs, "/etc/nginx");
  Config* a = graph.FindFile("/etc/nginx/sites/a");
  ASSERT_NE(a, nullptr);
  Directive* server = a->root().Find("server");
  a->InsertAfter(*server->block().Find("listen"),
                 Directive::Simple("listen", {Word::FromValue("443"),
                                              Word::FromValue("ssl")}));
  EXPECT_EQ(Paths(graph.ModifiedFiles()),
            (std::vector<std::string>{"/etc/nginx/sites/a"}));
  EXPECT_EQ(a->Dump(),
            "server {\n\tlisten 80;\n\tlisten 443 ssl;\n\tserver_name "
            "a.example;\n}\n");
  EXPECT_EQ(a->original_text(), site);
}

TEST(NginxIncludeLoaderTest, GlobMatchingNothingIsFineMissingFileIsNot) {
  MemFilesystem fs;
  fs.AddFile("/etc/nginx/nginx.conf",
             "include modules-enabled/*.conf;\nevents {}\n");
  EXPECT_EQ(ConfigGraph::Load(fs, "/etc/nginx").files().size(), 1u);

  MemFilesystem missing;
  missing.AddFile("/etc/nginx/nginx.conf",
                  "events {}\nhttp {\n    include sites/a.conf;\n}\n");
  try {
    ConfigGraph::Load(missing, "/etc/nginx");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "/etc/nginx/nginx.conf");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 5);
    EXPECT_NE(e.reason().find("/etc/nginx/sites/a.conf does not exist"),
              std::string::npos);
  }
}

TEST(NginxIncludeLoaderTest, ErrorsNameTheIncludedFile) {
  MemFilesystem fs;
  fs.AddFile("/n/nginx.conf", "http { include bad.conf; }\n");
  fs.AddFile("/n/bad.conf", "server {\n  listen 80\n}\n");
  try {
    ConfigGraph::Load(fs, "/n");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "/n/bad.conf");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 12);
  }
}

TEST(NginxIncludeLoaderTest, CyclesDirectoriesAndBadIncludes) {
  MemFilesystem cycle;
  cycle.AddFile("/n/nginx.conf", "include a.conf;\n");
  cycle.AddFile("/n/a.conf", "include b.conf;\n");
  cycle.AddFile("/n/b.conf", "x;\ninclude ./a.conf;\n");
  try {
    ConfigGraph::Load(cycle, "/n");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "/n/b.conf");
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(e.reason().find("/n/a.conf -> /n/b.conf -> /n/a.conf"),
              std::string::npos)
        << e.reason();
  }

  MemFilesystem dir;
  dir.AddFile("/n/nginx.conf", "include conf.d/*;\n");
  dir.AddFile("/n/conf.d/sub/x.conf", "x;\n");
  EXPECT_THROW(ConfigGraph::Load(dir, "/n"), ParseError);

  MemFilesystem args;
  args.AddFile("/n/nginx.conf", "include a b;\n");
  EXPECT_THROW(ConfigGraph::Load(args, "/n"), ParseError);

  MemFilesystem no_main;
  EXPECT_THROW(ConfigGraph::Load(no_main, "/n"), sys::SysError);
}

TEST(NginxIncludeLoaderTest, SharedFilesAreReadOnce) {
  MemFilesystem fs;
  fs.AddFile("/n/nginx.conf",
             "http {\n server { include p.conf; }\n server { include "
             "/n/./p.conf; }\n}\n");
  fs.AddFile("/n/p.conf", "proxy_set_header Host $host;\n");
  ConfigGraph graph = ConfigGraph::Load(fs, "/n");
  EXPECT_EQ(graph.files().size(), 2u);
  EXPECT_EQ(fs.reads("/n/p.conf"), 1);
}

TEST(NginxIncludeLoaderTest, IncludesInsideLuaCodeAreNotFollowed) {
  MemFilesystem fs;
  fs.AddFile("/n/nginx.conf",
             "content_by_lua_block {\n  include missing.conf;\n}\n");
  EXPECT_EQ(ConfigGraph::Load(fs, "/n").files().size(), 1u);
}

TEST(NginxIncludeLoaderTest, NormalizePath) {
  EXPECT_EQ(NormalizePath("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(NormalizePath("a/../b"), "a/../b");
  EXPECT_EQ(NormalizePath("./x"), "x");
  EXPECT_EQ(NormalizePath("/"), "/");
}

}  // namespace
}  // namespace certpilot::nginx
