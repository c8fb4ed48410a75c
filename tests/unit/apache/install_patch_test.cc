// The Apache install plan (apache/patch/install_patch.h) on configurations
// written to a temporary directory (symlinks are part of Debian's layout):
// certbot's -le-ssl.conf twin, the certificate swap, the redirect on other
// ports, Listen, modules, includes, and that planning again after applying
// a plan changes nothing. The Debian default case is checked against golden
// files: tests/data/apache_patch/debian_default/expected/ (the corpus's
// debian_default tree as input; CERTPILOT_UPDATE_GOLDEN=1 rewrites them).
#include "apache/patch/install_patch.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "apache/config/envvars.h"
#include "apache/config/parser.h"
#include "apache/patch/enhance_patch.h"
#include "apache/patch/managed.h"
#include "support/temp_dir.h"
#include "support/test_data.h"
#include "sys/filesystem.h"
#include "unit/nginx/golden.h"
#include "unit/nginx/nginx_test_util.h"
#include "util/error.h"

namespace certpilot::apache {
namespace {

namespace stdfs = std::filesystem;
using certpilot::testing::TempDir;
using nginx::testing::ReadDiskFile;

constexpr char kCert[] = "/etc/certpilot/live/a.example/fullchain.pem";
constexpr char kKey[] = "/etc/certpilot/live/a.example/privkey.pem";

InstallRequest Request(std::vector<std::string> names,
                       const std::string& options_path) {
  InstallRequest req;
  req.names = std::move(names);
  req.certificate_path = kCert;
  req.key_path = kKey;
  req.options_path = options_path;
  return req;
}

// The plan's files by path.
std::map<std::string, std::string> Files(const InstallPlan& plan) {
  std::map<std::string, std::string> files;
  for (const sys::FileState& f : plan.files) files[f.path] = *f.text;
  return files;
}

// Writes the plan to disk as the runtime would (files, then links).
void Apply(const InstallPlan& plan) {
  sys::PosixFilesystem disk;
  for (const sys::FileState& f : plan.files) {
    ASSERT_TRUE(f.text.has_value());
    sys::WriteFileAtomic(disk, f.path, *f.text, 0644);
  }
  for (const SiteLink& l : plan.links) disk.Symlink(l.target, l.path);
}

class ApacheInstallPatchTest : public ::testing::Test {
 protected:
  // dir_/rel, its directories made first.
  void Write(const std::string& rel, const std::string& text) {
    stdfs::create_directories(stdfs::path(dir_ / rel).parent_path());
    dir_.Write(rel, text);
  }
  // A Debian-style root: apache2.conf reading ports.conf, the modules in
  // mods-enabled and the sites in sites-enabled.
  void Debian(const std::string& ports) {
    Write("apache2.conf",
          "IncludeOptional mods-enabled/*.load\n"
          "Include ports.conf\n"
          "IncludeOptional sites-enabled/*.conf\n");
    Write("ports.conf", ports);
    for (const char* m : {"ssl", "rewrite", "headers"}) {
      Write(std::string("mods-available/") + m + ".load",
            std::string("LoadModule ") + m +
                "_module /usr/lib/apache2/modules/mod_" + m + ".so\n");
    }
    stdfs::create_directories(dir_ / "mods-enabled");
    stdfs::create_directories(dir_ / "sites-enabled");
  }
  // sites-available/NAME with `text`, enabled by a relative link.
  void Site(const std::string& name, const std::string& text) {
    Write("sites-available/" + name, text);
    stdfs::create_symlink("../sites-available/" + name,
                          dir_ / ("sites-enabled/" + name));
  }
  void EnableModule(const std::string& m) {
    stdfs::create_symlink("../mods-available/" + m + ".load",
                          dir_ / ("mods-enabled/" + m + ".load"));
  }

  InstallPlan Plan(const InstallRequest& req,
                   const std::string& main = "apache2.conf") {
    LoadOptions options;
    options.server_root = dir_.path();
    options.config_file = main;
    return PlanInstall(disk_, options, req);
  }

  std::string Read(const std::string& rel) { return ReadDiskFile(dir_ / rel); }
  InstallRequest Request(std::vector<std::string> names) {
    return apache::Request(std::move(names), kOptions);
  }

  TempDir dir_{"apache-install"};
  const std::string kOptions = dir_ / "options-ssl-apache.conf";
  sys::PosixFilesystem disk_;
};

TEST_F(ApacheInstallPatchTest, DebianSiteGetsCertbotsTwinLinkAndModules) {
  Debian("Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n");
  Site("a.conf",
       "<VirtualHost *:80>\n"
       "\tServerName a.example\n"
       "\tServerAlias www.a.example\n"
       "\tDocumentRoot /var/www/a\n"
       "</VirtualHost>\n");
  InstallRequest req = Request({"a.example", "www.a.example"});
  const InstallPlan plan = Plan(req);
  ASSERT_EQ(plan.files.size(), 2u);
  EXPECT_EQ(plan.files[0].path, kOptions);
  EXPECT_EQ(plan.files[1].path, dir_ / "sites-available/a-le-ssl.conf");
  EXPECT_EQ(*plan.files[1].text,
            "<IfModule mod_ssl.c>\n"
            "<VirtualHost *:443>\n"
            "\tServerName a.example\n"
            "\tServerAlias www.a.example\n"
            "\tDocumentRoot /var/www/a\n"
            "\t# managed by certpilot\n"
            "\tSSLEngine on\n"
            "\tSSLCertificateFile " +
                std::string(kCert) +
                "\n"
                "\tSSLCertificateKeyFile " +
                kKey +
                "\n"
                "\tInclude " +
                kOptions +
                "\n"
                "</VirtualHost>\n"
                "</IfModule>\n");
  ASSERT_EQ(plan.links.size(), 1u);
  EXPECT_EQ(plan.links[0].path, dir_ / "sites-enabled/a-le-ssl.conf");
  EXPECT_EQ(plan.links[0].target, "../sites-available/a-le-ssl.conf");
  EXPECT_EQ(plan.modules, std::vector<std::string>{"ssl"});
  EXPECT_TRUE(plan.includes_options);

  // Applied (and ssl enabled), planning again changes nothing.
  Apply(plan);
  EnableModule("ssl");
  const InstallPlan again = Plan(req);
  EXPECT_TRUE(again.files.empty());
  EXPECT_TRUE(again.links.empty());
  EXPECT_TRUE(again.modules.empty());
}

TEST_F(ApacheInstallPatchTest, ExistingTlsVhostOnlySwapsItsCertificate) {
  Debian("Listen 80\nListen 443\n");
  EnableModule("ssl");
  const std::string site =
      "<VirtualHost *:443>\n"
      "    ServerName a.example\n"
      "    SSLEngine on\n"
      "    SSLCertificateFile   \"/etc/ssl/old cert.pem\"\n"
      "    SSLCertificateKeyFile /etc/ssl/old.key\n"
      "    SSLCertificateChainFile /etc/ssl/chain.pem\n"
      "</VirtualHost>\n";
  Site("a.conf", site);
  const InstallPlan plan = Plan(Request({"a.example"}));
  ASSERT_EQ(plan.files.size(), 1u);
  EXPECT_EQ(plan.files[0].path, dir_ / "sites-enabled/a.conf");
  EXPECT_EQ(*plan.files[0].text,
            "<VirtualHost *:443>\n"
            "    ServerName a.example\n"
            "    SSLEngine on\n"
            "    SSLCertificateFile   " +
                std::string(kCert) +
                "\n"
                "    SSLCertificateKeyFile " +
                kKey +
                "\n"
                "    SSLCertificateChainFile /etc/ssl/chain.pem\n"
                "</VirtualHost>\n");
  EXPECT_TRUE(plan.links.empty());
  EXPECT_TRUE(plan.modules.empty());
  EXPECT_FALSE(plan.includes_options);
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("SSLCertificateChainFile"), std::string::npos);
  Apply(plan);
  EXPECT_TRUE(Plan(Request({"a.example"})).files.empty());
}

TEST_F(ApacheInstallPatchTest,
       DefaultSiteTwinGetsTheNamesAndRedirectsOnOtherPorts) {
  Debian("Listen 127.0.0.1:8080\n");
  // Debian's 000-default: no ServerName, the name-based default on *:8080.
  Site("000-default.conf",
       "<VirtualHost *:8080>\n"
       "\tDocumentRoot /var/www/html\n"
       "\tRewriteEngine on\n"
       "\tRewriteCond %{HTTPS} off\n"
       "\tRewriteRule ^/old https://elsewhere.example/new [R=301]\n"
       "</VirtualHost>\n");
  InstallRequest req = Request({"a.example", "b.example"});
  req.http_port = 8080;
  req.https_port = 8443;
  req.redirect = true;
  req.hsts = true;
  req.uir = true;
  const InstallPlan plan = Plan(req);
  std::map<std::string, std::string> files = Files(plan);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[dir_ / "sites-available/000-default-le-ssl.conf"],
            "<IfModule mod_ssl.c>\n"
            "<VirtualHost *:8443>\n"
            "\tDocumentRoot /var/www/html\n"
            "\tRewriteEngine on\n"
            "\t# managed by certpilot\n"
            "\tServerName a.example\n"
            "\tServerAlias b.example\n"
            "\tSSLEngine on\n"
            "\tSSLCertificateFile " +
                std::string(kCert) + "\n\tSSLCertificateKeyFile " + kKey +
                "\n\tInclude " + kOptions +
                "\n"
                "\t# managed by certpilot\n"
                "\tHeader always set Strict-Transport-Security "
                "max-age=31536000\n"
                "\tHeader always set Content-Security-Policy "
                "upgrade-insecure-requests\n"
                "</VirtualHost>\n"
                "</IfModule>\n");
  // The plain site already redirects to https:// (elsewhere): left alone.
  EXPECT_EQ(files.count(dir_ / "sites-enabled/000-default.conf"), 0u);
  EXPECT_EQ(files[dir_ / "ports.conf"],
            "Listen 127.0.0.1:8080\n"
            "# managed by certpilot\n"
            "Listen 127.0.0.1:8443 https\n");
  EXPECT_EQ(plan.modules,
            (std::vector<std::string>{"ssl", "rewrite", "headers"}));
}

TEST_F(ApacheInstallPatchTest, RedirectIsCertbotsWithThePort) {
  Debian("Listen 8080\nListen 8443 https\n");
  EnableModule("ssl");
  EnableModule("rewrite");
  Site("a.conf",
       "<VirtualHost *:8080>\n"
       "  ServerName a.example\n"
       "  ServerAlias *.a.example\n"
       "</VirtualHost>\n");
  InstallRequest req = Request({"a.example", "*.a.example"});
  req.http_port = 8080;
  req.https_port = 8443;
  req.redirect = true;
  const InstallPlan plan = Plan(req);
  std::map<std::string, std::string> files = Files(plan);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[dir_ / "sites-enabled/a.conf"],
            "<VirtualHost *:8080>\n"
            "  ServerName a.example\n"
            "  ServerAlias *.a.example\n"
            "  # managed by certpilot\n"
            "  RewriteEngine on\n"
            "  RewriteCond %{SERVER_NAME} =a.example [OR]\n"
            "  RewriteCond %{SERVER_NAME} ^[^.]+\\\\.a\\\\.example$\n"
            "  RewriteRule ^ https://%{SERVER_NAME}:8443%{REQUEST_URI} "
            "[END,NE,R=permanent]\n"
            "</VirtualHost>\n");
  EXPECT_TRUE(plan.modules.empty());
  // The redirect is not copied into the twin (it would loop there), and a
  // second plan finds both in place.
  Apply(plan);
  const std::string twin = Read("sites-available/a-le-ssl.conf");
  EXPECT_EQ(twin.find("Rewrite"), std::string::npos) << twin;
  const InstallPlan again = Plan(req);
  EXPECT_TRUE(again.files.empty());
  ASSERT_FALSE(again.notes.empty());
}

TEST_F(ApacheInstallPatchTest, SingleFileHttpdGetsIncludeAndLoadModule) {
  Write("modules/mod_rewrite.so", "");
  Write("modules/mod_ssl.so", "");
  Write("httpd.conf",
        "ServerRoot " + dir_.path() +
            "\n"
            "LoadModule rewrite_module modules/mod_rewrite.so\n"
            "Listen 80\n"
            "<VirtualHost *:80>\n"
            "    ServerName a.example\n"
            "</VirtualHost>\n"
            "ServerAdmin root@localhost");  // no final newline
  const InstallPlan plan = Plan(Request({"a.example"}), "httpd.conf");
  ASSERT_EQ(plan.files.size(), 3u);
  EXPECT_EQ(plan.files[1].path, dir_ / "httpd-le-ssl.conf");
  EXPECT_EQ(plan.files[2].path, dir_ / "httpd.conf");
  EXPECT_EQ(*plan.files[2].text,
            "ServerRoot " + dir_.path() +
                "\n"
                "LoadModule rewrite_module modules/mod_rewrite.so\n"
                "# managed by certpilot\n"
                "LoadModule ssl_module modules/mod_ssl.so\n"
                "Listen 80\n"
                "# managed by certpilot\n"
                "Listen 443\n"
                "<VirtualHost *:80>\n"
                "    ServerName a.example\n"
                "</VirtualHost>\n"
                "# managed by certpilot\n"
                "Include " +
                (dir_ / "httpd-le-ssl.conf") +
                "\n"
                "ServerAdmin root@localhost");
  EXPECT_TRUE(plan.links.empty());
  EXPECT_TRUE(plan.modules.empty());
  Apply(plan);
  const InstallPlan again = Plan(Request({"a.example"}), "httpd.conf");
  EXPECT_TRUE(again.files.empty());
}

TEST_F(ApacheInstallPatchTest, TwinReadByAnIncludeGlobNeedsNoInclude) {
  Write("modules/mod_ssl.so", "");
  Write("httpd.conf",
        "LoadModule ssl_module modules/mod_ssl.so\n"
        "Listen 80\nListen 443\n"
        "IncludeOptional conf.d/*.conf\n");
  Write("conf.d/a.conf",
        "<VirtualHost *:80>\n    ServerName a.example\n</VirtualHost>\n");
  const InstallPlan plan = Plan(Request({"a.example"}), "httpd.conf");
  ASSERT_EQ(plan.files.size(), 2u);
  EXPECT_EQ(plan.files[1].path, dir_ / "conf.d/a-le-ssl.conf");
  EXPECT_TRUE(plan.links.empty());
}

TEST_F(ApacheInstallPatchTest, RefusesWhatItCannotDoSafely) {
  Debian("Listen 80\nListen 443\n");
  EnableModule("ssl");
  Site("a.conf",
       "<VirtualHost *:443>\n"
       "  ServerName a.example\n"
       "  SSLEngine on\n"
       "  SSLCertificateFile /etc/ssl/rsa.pem\n"
       "  SSLCertificateFile /etc/ssl/ecdsa.pem\n"
       "</VirtualHost>\n");
  EXPECT_THROW(Plan(Request({"a.example"})), Error);
  // No plain vhost at all for the name on port 80.
  try {
    Plan(Request({"b.example"}));
    ADD_FAILURE() << "no NoVirtualHostError";
  } catch (const NoVirtualHostError& e) {
    EXPECT_EQ(e.names(), std::vector<std::string>{"b.example"});
  }
  // Enhancing needs a TLS vhost for the name.
  InstallRequest enhance = Request({"b.example"});
  enhance.install = false;
  enhance.hsts = true;
  EXPECT_THROW(Plan(enhance), NoVirtualHostError);
  // A twin file that exists with other content is not overwritten.
  Site("c.conf",
       "<VirtualHost *:80>\n  ServerName c.example\n</VirtualHost>\n");
  Write("sites-available/c-le-ssl.conf", "# someone else's\n");
  EXPECT_THROW(Plan(Request({"c.example"})), Error);
}

TEST(ApacheManagedTest, RunsAfterTheMarkAreOurs) {
  const Config c = ParseConfig(
      "<VirtualHost *:80>\n"
      "  ServerName a\n"
      "  # managed by certpilot\n"
      "  RewriteEngine on\n"
      "  RewriteRule ^ https://a/\n"
      "\n"
      "  DocumentRoot /srv\n"
      "</VirtualHost>\n",
      "x.conf");
  const std::vector<const Node*> ours =
      ManagedNodes(c.root().children().front().block());
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(ours[0]->name(), "RewriteEngine");
  EXPECT_EQ(ours[1]->name(), "RewriteRule");
  EXPECT_TRUE(IsHttpsRedirect(*ours[1]));
}

// The corpus's Debian default tree, its site enabled by a link as on a real
// system: the golden twin and redirect.
TEST(ApacheInstallGoldenTest, DebianDefault) {
  const std::string corpus =
      certpilot::testing::TestDataDir() + "/apache/debian_default/tree";
  const std::string golden = certpilot::testing::TestDataDir() +
                             "/apache_patch/debian_default/expected";
  TempDir dir("apache-golden");
  const std::string root = dir / "apache2";
  stdfs::copy(corpus, root, stdfs::copy_options::recursive);
  stdfs::remove(root + "/sites-enabled/000-default.conf");
  stdfs::create_symlink("../sites-available/000-default.conf",
                        root + "/sites-enabled/000-default.conf");
  stdfs::create_directories(root + "/mods-available");
  for (const char* m : {"ssl", "rewrite", "headers"}) {
    std::ofstream(root + "/mods-available/" + m + ".load")
        << "LoadModule " << m << "_module /usr/lib/apache2/modules/mod_" << m
        << ".so\n";
  }
  LoadOptions options;
  options.server_root = root;
  options.environment = ReadEnvvars(ReadDiskFile(root + "/envvars"));
  InstallRequest req =
      Request({"www.example.com"}, "/etc/certpilot/options-ssl-apache.conf");
  req.redirect = true;
  req.hsts = true;
  sys::PosixFilesystem disk;
  const InstallPlan plan = PlanInstall(disk, options, req);
  std::map<std::string, std::string> got;
  for (const sys::FileState& f : plan.files) {
    // A file outside the tree (the TLS options) as @<its base name>.
    got[f.path.rfind(root + "/", 0) == 0
            ? f.path.substr(root.size() + 1)
            : "@" + stdfs::path(f.path).filename().string()] = *f.text;
  }
  for (const SiteLink& l : plan.links) {
    got[stdfs::relative(l.path, root).string() + ".link"] = l.target + "\n";
  }
  std::string summary;
  for (const std::string& m : plan.modules) summary += "a2enmod " + m + "\n";
  for (const std::string& a : plan.actions) summary += "action: " + a + "\n";
  for (const std::string& n : plan.notes) summary += "note: " + n + "\n";
  got["plan.txt"] = summary;
  const char* update = std::getenv("CERTPILOT_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    stdfs::remove_all(golden);
    for (const auto& [rel, text] : got) {
      stdfs::create_directories((stdfs::path(golden) / rel).parent_path());
      std::ofstream(golden + "/" + rel, std::ios::binary) << text;
    }
    return;
  }
  const std::map<std::string, std::string> want =
      nginx::testing::ReadTree(golden);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [rel, text] : want) {
    SCOPED_TRACE(rel);
    EXPECT_EQ(got[rel], text);
  }
}

}  // namespace
}  // namespace certpilot::apache
