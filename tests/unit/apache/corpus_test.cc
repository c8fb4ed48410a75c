// The golden corpus in tests/data/apache/<case>/: tree/ is a configuration
// (tree/httpd.conf when present, else tree/apache2.conf; tree/envvars, when
// present, gives the environment; <case>/defines lists -D names), loaded
// with tree/ as the server root. expected.txt holds what was loaded: the
// files read, every active directive with its arguments after ${VAR}
// substitution (indented inside a <VirtualHost>), the virtual-host table,
// httpd's warnings. Every file under tests/data/apache also parses and
// dumps back byte for byte (the .htaccess files included, which httpd
// reads per request and no Include names).
//
// CERTPILOT_UPDATE_GOLDEN=1 rewrites expected.txt (review the diff).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apache/config/envvars.h"
#include "apache/config/loader.h"
#include "apache/config/parser.h"
#include "apache/config/virtual_hosts.h"
#include "support/test_data.h"
#include "sys/filesystem.h"
#include "unit/nginx/nginx_test_util.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

namespace fs = std::filesystem;
using nginx::testing::ReadDiskFile;

std::string CorpusDir() {
  return certpilot::testing::TestDataDir() + "/apache";
}

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(CorpusDir())) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Relative(const std::string& path, const std::string& root) {
  return StartsWith(path, root + "/") ? path.substr(root.size() + 1) : path;
}

std::string Describe(ConfigGraph& graph, const std::string& root) {
  std::string out = "# files\n";
  for (Config* f : graph.files()) out += Relative(f->path(), root) + "\n";
  out += "# active\n";
  for (const ActiveNode& a : graph.active()) {
    if (a.virtual_host >= 0) out += "  ";
    out += Relative(a.file->path(), root) + ":" +
           std::to_string(a.node->line()) + " " +
           (a.node->is_section() ? "<" + a.node->name() + ">" : a.node->name());
    for (const std::string& arg : a.args) out += " [" + arg + "]";
    out += "\n";
  }
  out += "# virtual hosts\n" +
         FormatVirtualHosts(CollectVirtualHosts(graph), root);
  out += "# warnings\n";
  for (const std::string& w : graph.warnings()) out += Relative(w, root) + "\n";
  return out;
}

TEST(ApacheCorpusTest, EveryCaseLoadsAsExpected) {
  const std::vector<std::string> cases = Cases();
  ASSERT_GE(cases.size(), 20u);
  const char* update = std::getenv("CERTPILOT_UPDATE_GOLDEN");
  for (const std::string& name : cases) {
    SCOPED_TRACE(name);
    const std::string dir = CorpusDir() + "/" + name;
    const std::string root = dir + "/tree";
    LoadOptions options;
    options.server_root = root;
    options.config_file =
        fs::exists(root + "/httpd.conf") ? "httpd.conf" : "apache2.conf";
    if (fs::exists(root + "/envvars")) {
      options.environment = ReadEnvvars(ReadDiskFile(root + "/envvars"));
    }
    if (fs::exists(dir + "/defines")) {
      for (const std::string& d : Split(ReadDiskFile(dir + "/defines"), '\n')) {
        if (!d.empty()) options.defines.push_back(d);
      }
    }
    sys::PosixFilesystem disk;
    ConfigGraph graph = ConfigGraph::Load(disk, options);
    const std::string got = Describe(graph, root);
    const std::string expected_path = dir + "/expected.txt";
    if (update != nullptr && std::string(update) == "1") {
      std::ofstream(expected_path, std::ios::binary) << got;
      continue;
    }
    EXPECT_EQ(got, ReadDiskFile(expected_path));
    for (Config* f : graph.files()) EXPECT_EQ(f->Dump(), f->original_text());
  }
}

TEST(ApacheCorpusTest, EveryFileDumpsByteIdentical) {
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(CorpusDir())) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name == "expected.txt" || name == "defines" || name == "envvars" ||
        name == ".gitattributes") {
      continue;
    }
    SCOPED_TRACE(e.path().string());
    const std::string text = ReadDiskFile(e.path().string());
    EXPECT_EQ(ParseConfig(text, e.path().string()).Dump(), text);
    ++files;
  }
  EXPECT_GE(files, 60u);
}

}  // namespace
}  // namespace certpilot::apache
