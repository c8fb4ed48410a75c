// Virtual-host selection (src/apache/config/virtual_hosts.h) against a real
// Apache httpd: Debian's apache2, run as root on free loopback ports with a
// configuration in a temp dir (apache2 -f CONF -d ROOT -DFOREGROUND; pid
// file, logs, runtime dir there too — /etc/apache2 is never read). The
// configuration uses Include with a wildcard, Define'd ports, IfModule of
// a loaded and of a missing module, name-based vhosts on *:PORT and
// address-specific ones on 127.0.0.2. Checked two ways:
//  - our table against `apache2 -S` (address groups, their vhosts in order,
//    the file and line of each);
//  - our SelectVirtualHost against what httpd serves: every vhost's
//    DocumentRoot holds id.txt naming it, and each (address, port, Host)
//    request must get the body of the vhost we pick.
// And the golden corpus (tests/data/apache) once more: for each case httpd
// can read here, `apache2 -S` must group the vhosts as our table does.
// Fails loudly when apache2 is missing (scripts/deps installs it).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "apache/config/envvars.h"
#include "apache/config/loader.h"
#include "apache/config/virtual_hosts.h"
#include "support/daemon.h"
#include "support/free_port.h"
#include "support/raw_client.h"
#include "support/temp_dir.h"
#include "support/test_data.h"
#include "support/wait_for.h"
#include "sys/filesystem.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

using certpilot::testing::Daemon;
using certpilot::testing::TempDir;

constexpr char kApache[] = "/usr/sbin/apache2";
constexpr char kModules[] = "/usr/lib/apache2/modules";

// name → (vhost id served from its DocumentRoot)
struct Site {
  std::string id;
  std::string address;  // as in <VirtualHost …>
  std::string names;    // ServerName / ServerAlias lines
  std::string wrapper;  // "" or an <IfModule …> around it
};

std::string Capture(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"),
                                             ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buf[4096];
  size_t n = 0;
  while ((n = ::fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  return out;
}

// `apache2 -S`'s VirtualHost section: address → "name (file:line)" in order.
std::map<std::string, std::vector<std::string>> ParseDashS(
    const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  const std::regex name_based(R"(^(\S+)\s+is a NameVirtualHost$)");
  const std::regex single(R"(^(\S+)\s+(\S+) \((.*)\)$)");
  const std::regex entry(R"(^\s+port \S+ namevhost (\S+) \((.*)\)$)");
  std::string current;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    std::smatch m;
    if (std::regex_match(line, m, name_based)) {
      current = m[1];
      out[current];
    } else if (std::regex_match(line, m, entry)) {
      out[current].push_back(ToLower(m[1].str()) + " (" + m[2].str() + ")");
    } else if (std::regex_match(line, m, single) &&
               line.find("ServerRoot") == std::string::npos) {
      out[m[1]].push_back(ToLower(m[2].str()) + " (" + m[3].str() + ")");
      current.clear();
    }
  }
  return out;
}

std::map<std::string, std::vector<std::string>> OurGroups(
    const VirtualHostTable& table) {
  std::map<std::string, std::vector<std::string>> out;
  for (const VirtualHost& v : table.hosts) {
    for (const VirtualHostAddress& a : v.addresses) {
      out[a.ToString()].push_back(v.server_name + " (" + v.file->path() + ":" +
                                  std::to_string(v.line) + ")");
    }
  }
  return out;
}

std::string Fetch(const char* ip, int port, const std::string& host) {
  certpilot::testing::RawClient client(port, ip);
  if (!client.connected()) return "(no connection)";
  client.Send(host.empty() ? "GET /id.txt HTTP/1.0\r\n\r\n"
                           : "GET /id.txt HTTP/1.1\r\nHost: " + host +
                                 "\r\nConnection: close\r\n\r\n");
  const std::string response = client.ReadResponse();
  const size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return "(no response)";
  std::string id = response.substr(body + 4);
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  return id;
}

TEST(ApacheVirtualHostsTest, SelectionMatchesRunningApache) {
  certpilot::testing::RequirePrograms(
      "ApacheVirtualHostsTest", {kApache},
      "Debian's apache2 is not installed (scripts/deps)");
  TempDir dir("certpilot-apache");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string root = dir.path();
  const auto write = [&](const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(
        std::filesystem::path(root + "/" + rel).parent_path());
    dir.Write(rel, text);
  };
  const int port = certpilot::testing::FreeLoopbackPort();
  const int other_port = certpilot::testing::FreeLoopbackPort();
  const std::vector<Site> sites = {
      {"a", "*:${PORT}", "ServerName a.test\nServerAlias *.a.test", ""},
      {"b", "*:${PORT}", "ServerName b.test", ""},
      {"c", "127.0.0.2:${PORT}", "ServerName c.test", ""},
      {"d", "127.0.0.2:${PORT}", "ServerName d.test\nServerAlias www.d.test",
       ""},
      {"e", "*:${OTHER_PORT}", "ServerName e.test", ""},
      {"f", "*:${PORT}", "ServerName f.test", "mod_ssl.c"},
      {"g", "*:${PORT}", "ServerName g.test\nServerAlias g?.test",
       "authz_core_module"},
  };
  std::string main =
      "Define PORT " + std::to_string(port) + "\nDefine OTHER_PORT " +
      std::to_string(other_port) + "\nServerRoot " + root + "\nPidFile " +
      root + "/httpd.pid\nErrorLog " + root + "/error.log\nDefaultRuntimeDir " +
      root + "/run\nLoadModule mpm_event_module " + kModules +
      "/mod_mpm_event.so\nLoadModule authz_core_module " + kModules +
      "/mod_authz_core.so\nUser www-data\nGroup www-data\n"
      "ServerName main.test\nListen 127.0.0.1:${PORT}\n"
      "Listen 127.0.0.2:${PORT}\nListen 127.0.0.1:${OTHER_PORT}\n"
      "DocumentRoot " +
      root + "/www/main\n<Directory " + root +
      "/www>\n    Require all granted\n</Directory>\n"
      "Include sites/*.conf\n";
  write("httpd.conf", main);
  write("www/main/id.txt", "main\n");
  ::mkdir((root + "/run").c_str(), 0755);
  for (const Site& s : sites) {
    std::string text = "<VirtualHost " + s.address + ">\n" + s.names +
                       "\nDocumentRoot " + root + "/www/" + s.id +
                       "\n</VirtualHost>\n";
    if (!s.wrapper.empty()) {
      text = "<IfModule " + s.wrapper + ">\n" + text + "</IfModule>\n";
    }
    write("sites/" + s.id + ".conf", text);
    write("www/" + s.id + "/id.txt", s.id + "\n");
  }
  for (const char* sub : {"www", "sites"}) {
    Capture("chmod -R a+rX " + root + "/" + sub);
  }

  LoadOptions options;
  options.server_root = root;
  options.config_file = "httpd.conf";
  sys::PosixFilesystem fs;
  const ConfigGraph graph = ConfigGraph::Load(fs, options);
  const VirtualHostTable table = CollectVirtualHosts(graph);
  ASSERT_EQ(table.hosts.size(), 6u);  // f sits in a false <IfModule>

  const std::string dash_s = Capture(std::string(kApache) + " -f " + root +
                                     "/httpd.conf -d " + root + " -S 2>&1");
  const auto groups = ParseDashS(dash_s);
  EXPECT_EQ(groups.size(), 3u) << dash_s;  // *:PORT, 127.0.0.2:PORT, *:OTHER
  EXPECT_EQ(groups, OurGroups(table)) << dash_s;

  Daemon apache;
  apache.Start({.name = "apache2",
                .argv = {kApache, "-f", root + "/httpd.conf", "-d", root,
                         "-DFOREGROUND"},
                .log_path = root + "/stdout.log"});
  certpilot::testing::Readiness ready;
  ready.owner = "ApacheVirtualHostsTest";
  ready.ready = [&] {
    return !certpilot::testing::ReadFileOrEmpty(root + "/httpd.pid").empty() &&
           certpilot::testing::TcpConnects(port) &&
           certpilot::testing::TcpConnects(other_port);
  };
  ready.logs = [&] {
    return apache.LogTail() +
           certpilot::testing::ReadTail(root + "/error.log", 3000);
  };
  ASSERT_EQ(certpilot::testing::AwaitReady({&apache}, ready),
            certpilot::testing::Startup::kReady);

  int checked = 0;
  for (const char* ip : {"127.0.0.1", "127.0.0.2"}) {
    for (const int p : {port, other_port}) {
      if (p == other_port && std::string(ip) != "127.0.0.1") continue;
      for (const std::string host :
           {"", "a.test", "x.a.test", "A.TEST:80", "b.test", "c.test", "d.test",
            "www.d.test", "e.test", "f.test", "g1.test", "g.test",
            "unknown.test"}) {
        SCOPED_TRACE(std::string(ip) + ":" + std::to_string(p) + " Host " +
                     host);
        const VirtualHost* v = SelectVirtualHost(table, ip, p, host);
        const std::string want =
            v == nullptr ? "main" : v->file->path().substr(root.size() + 7, 1);
        EXPECT_EQ(Fetch(ip, p, host), want);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 39);
  // The rules the comparison went through, spelled out.
  EXPECT_EQ(Fetch("127.0.0.2", port, "a.test"), "c");  // address-specific wins
  EXPECT_EQ(Fetch("127.0.0.2", port, "www.d.test"), "d");
  EXPECT_EQ(Fetch("127.0.0.1", port, "x.a.test"), "a");  // wildcard alias
  EXPECT_EQ(Fetch("127.0.0.1", port, "g7.test"), "g");   // IfModule loaded
  EXPECT_EQ(Fetch("127.0.0.1", port, "f.test"), "a");  // IfModule not: default
  EXPECT_EQ(Fetch("127.0.0.1", other_port, "a.test"), "e");
  apache.Stop();
}

// The corpus cases httpd cannot read here: ServerRoot /etc/httpd (a Red Hat
// layout), certificates that need not exist on this machine.
bool SkippedForHttpd(const std::string& name) {
  return name == "httpd_single_file" || name == "define_ports" ||
         name == "debian_ssl" || name == "certbot_le_ssl";
}

TEST(ApacheVirtualHostsTest, CorpusTablesMatchApacheDashS) {
  certpilot::testing::RequirePrograms(
      "ApacheVirtualHostsTest", {kApache},
      "Debian's apache2 is not installed (scripts/deps)");
  TempDir scratch("certpilot-apache-corpus");
  const std::string corpus = certpilot::testing::TestDataDir() + "/apache";
  int compared = 0;
  for (const auto& e : std::filesystem::directory_iterator(corpus)) {
    if (!e.is_directory()) continue;
    const std::string name = e.path().filename().string();
    if (SkippedForHttpd(name)) continue;
    SCOPED_TRACE(name);
    const std::string tree = e.path().string() + "/tree";
    const bool debian = std::filesystem::exists(tree + "/envvars");
    // A main file of our own around the case's: a main ServerName (httpd
    // would otherwise ask DNS for one), the run files in the scratch dir,
    // and for the non-Debian cases the MPM and the modules they use.
    std::string wrapper = "ServerName fallback.invalid\n";
    if (!debian) {
      for (const char* m : {"mpm_event", "alias", "headers", "authz_core"}) {
        wrapper += std::string("LoadModule ") + m + "_module " + kModules +
                   "/mod_" + m + ".so\n";
      }
      wrapper += "DefaultRuntimeDir " + scratch.path() + "\nPidFile " +
                 scratch.path() + "/pid\nErrorLog " + scratch.path() +
                 "/error.log\n";
    }
    wrapper += std::string("Include ") +
               (debian ? "apache2.conf" : "httpd.conf") + "\n";
    const std::string wrapper_path = scratch / (name + ".conf");
    scratch.Write(name + ".conf", wrapper);

    LoadOptions options;
    options.server_root = tree;
    options.config_file = wrapper_path;
    std::string env;
    if (debian) {
      options.environment =
          ReadEnvvars(certpilot::testing::ReadFileOrEmpty(tree + "/envvars"));
      for (const char* var :
           {"APACHE_RUN_DIR", "APACHE_LOCK_DIR", "APACHE_LOG_DIR"}) {
        options.environment[var] = scratch.path();
      }
      options.environment["APACHE_PID_FILE"] = scratch.path() + "/pid";
      for (const auto& [k, v] : options.environment) {
        env += k + "='" + v + "' ";
      }
    }
    std::string defines;
    for (const std::string& d : Split(certpilot::testing::ReadFileOrEmpty(
                                          e.path().string() + "/defines"),
                                      '\n')) {
      if (d.empty()) continue;
      options.defines.push_back(d);
      defines += " -D " + d;
    }
    sys::PosixFilesystem fs;
    const ConfigGraph graph = ConfigGraph::Load(fs, options);
    const VirtualHostTable table = CollectVirtualHosts(graph);
    const std::string dash_s =
        Capture("env " + env + kApache + " -d " + tree + " -f " + wrapper_path +
                defines + " -S 2>&1");
    EXPECT_EQ(ParseDashS(dash_s), OurGroups(table)) << dash_s;
    ++compared;
  }
  EXPECT_GE(compared, 18);
}

}  // namespace
}  // namespace certpilot::apache
