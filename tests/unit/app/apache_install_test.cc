// The Apache installer use case (install --apache, enhance, delete) against
// the fake CA and a scripted apache2ctl/a2enmod, on a real temp dir: the
// twin, its link and the module enabled, what the renewal conf records,
// that a rejected configuration leaves every file as it was (the link and
// the module taken out again), and that delete refuses while Apache uses
// the lineage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "app/usecases/certonly.h"
#include "app/usecases/enhance.h"
#include "app/usecases/install.h"
#include "app/usecases/revoke.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/temp_dir.h"
#include "support/use_case_fixture.h"
#include "sys/live_update.h"
#include "unit/nginx/fake_runner.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

namespace fs = std::filesystem;
using nginx::testing::FakeRunner;
using testing::ReadFileOrEmpty;

constexpr char kSite[] =
    "<VirtualHost *:80>\n"
    "\tServerName app.example.com\n"
    "\tServerAlias www.app.example.com\n"
    "\tDocumentRoot /var/www/app\n"
    "</VirtualHost>\n";

class ApacheInstallUseCase : public testing::UseCaseTest<FakeRunner> {
 protected:
  ApacheInstallUseCase() {
    const std::string root = dir_ / "apache";
    fs::create_directories(root + "/sites-available");
    fs::create_directories(root + "/sites-enabled");
    fs::create_directories(root + "/mods-available");
    fs::create_directories(root + "/mods-enabled");
    std::ofstream(root + "/apache2.conf")
        << "IncludeOptional mods-enabled/*.load\n"
           "Listen 80\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n"
           "IncludeOptional sites-enabled/*.conf\n";
    for (const std::string m : {"ssl", "rewrite", "headers"})
      std::ofstream(root + "/mods-available/" + m + ".load")
          << "LoadModule " << m << "_module /usr/lib/apache2/modules/mod_" << m
          << ".so\n";
    std::ofstream(root + "/sites-available/app.conf") << kSite;
    fs::create_symlink("../sites-available/app.conf",
                       root + "/sites-enabled/app.conf");
    // a2enmod makes the link a2enmod makes; a2dismod takes it out.
    Script(false);
  }
  void Script(bool configtest_fails) {
    const std::string mods = dir_ / "apache/mods-enabled/";
    runner_.script = [mods,
                      configtest_fails](const std::vector<std::string>& argv) {
      const std::string load = argv.back() + ".load";
      if (argv[0] == "a2enmod")
        fs::create_symlink("../mods-available/" + load, mods + load);
      if (argv[0] == "a2dismod") fs::remove(mods + load);
      if (configtest_fails && FakeRunner::Has(argv, "configtest"))
        return FakeRunner::Exit(1, "AH00526: Syntax error\n");
      return FakeRunner::Exit(0, "");
    };
  }
  void Obtain(const std::string& name, std::vector<std::string> domains) {
    CertonlyOptions o = StandaloneCertonly(std::move(domains));
    o.cert_name = name;
    ASSERT_EQ(Certonly(o, services_), 0);
    runner_.Reset();
    Script(false);
  }
  InstallOptions Options(const std::string& name) {
    InstallOptions o;
    o.common = common_;
    o.cert_name = name;
    o.installer = "apache";
    o.apache.server_root = dir_ / "apache";
    o.apache.ctl = "/usr/sbin/apache2ctl";
    o.redirect = true;
    return o;
  }
  std::string Read(const std::string& rel) const {
    return ReadFileOrEmpty(dir_ / ("apache/" + rel));
  }
  std::string RenewalConf(const std::string& name) const {
    return ReadFileOrEmpty(dir_ / ("config/renewal/" + name + ".conf"));
  }
  std::vector<std::string> Programs() const {
    std::vector<std::string> out;
    for (const auto& argv : runner_.calls())
      out.push_back(argv[0] + (argv.size() > 1 ? " " + argv.back() : ""));
    return out;
  }
};

TEST_F(ApacheInstallUseCase, InstallsTheTwinEnablesSslTestsReloadsRecords) {
  Obtain("app.example.com", {"app.example.com", "www.app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);

  const std::string live = dir_ / "config/live/app.example.com";
  const std::string twin = Read("sites-available/app-le-ssl.conf");
  EXPECT_NE(twin.find("\tSSLCertificateFile " + live + "/fullchain.pem\n"),
            std::string::npos)
      << twin;
  EXPECT_NE(twin.find("\tInclude " + (dir_ / "config/options-ssl-apache.conf")),
            std::string::npos)
      << twin;
  EXPECT_EQ(fs::read_symlink(dir_ / "apache/sites-enabled/app-le-ssl.conf"),
            "../sites-available/app-le-ssl.conf");
  EXPECT_NE(Read("sites-available/app.conf")
                .find("RewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} "
                      "[END,NE,R=permanent]"),
            std::string::npos);
  EXPECT_NE(ReadFileOrEmpty(dir_ / "config/options-ssl-apache.conf")
                .find("SSLProtocol"),
            std::string::npos);
  // a2enmod for ssl and rewrite, told where the configuration is; then
  // configtest and a graceful reload.
  const std::vector<std::string> programs = Programs();
  ASSERT_GE(programs.size(), 3u);
  EXPECT_EQ(programs[0], "a2enmod ssl");
  EXPECT_EQ(runner_.specs()[0].env_add.at("APACHE_CONFDIR"), dir_ / "apache");
  bool tested = false;
  for (const std::string& p : programs)
    tested = tested || p == "/usr/sbin/apache2ctl configtest";
  EXPECT_TRUE(tested) << ::testing::PrintToString(programs);

  const std::string conf = RenewalConf("app.example.com");
  EXPECT_NE(conf.find("installer = apache"), std::string::npos) << conf;
  EXPECT_NE(conf.find("apache_server_root = " + dir_ / "apache"),
            std::string::npos)
      << conf;
  EXPECT_NE(conf.find("apache_ctl = /usr/sbin/apache2ctl"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "work/apache/backups"));
  EXPECT_FALSE(fs::exists(dir_ / "work/apache/install.journal"));

  // enhance finds the lineage's Apache from the renewal conf.
  runner_.Reset();
  Script(false);
  EnhanceOptions e;
  e.common = common_;
  e.cert_name = "app.example.com";
  e.enhance.hsts = true;
  ASSERT_EQ(Enhance(e, services_), 0);
  EXPECT_NE(Read("sites-available/app-le-ssl.conf")
                .find("Header always set Strict-Transport-Security"),
            std::string::npos);

  // delete refuses while Apache names the lineage.
  DeleteOptions d;
  d.common = common_;
  d.cert_name = "app.example.com";
  d.nginx_server_root = dir_ / "no-nginx";
  d.apache_server_root = dir_ / "apache";
  EXPECT_THROW(Delete(d, services_), Error);
  EXPECT_TRUE(fs::exists(live));
}

TEST_F(ApacheInstallUseCase, RejectedConfigurationLeavesEveryFileAsItWas) {
  Obtain("app.example.com", {"app.example.com"});
  const std::string conf_before = RenewalConf("app.example.com");
  Script(true);
  try {
    Install(Options("app.example.com"), services_);
    FAIL() << "no error";
  } catch (const sys::LiveUpdateError& e) {
    EXPECT_NE(std::string(e.what()).find("Restored byte for byte"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Read("sites-available/app.conf"), kSite);
  EXPECT_FALSE(fs::exists(dir_ / "apache/sites-available/app-le-ssl.conf"));
  EXPECT_FALSE(fs::is_symlink(dir_ / "apache/sites-enabled/app-le-ssl.conf"));
  EXPECT_TRUE(fs::is_empty(dir_ / "apache/mods-enabled"));
  EXPECT_FALSE(fs::exists(dir_ / "config/options-ssl-apache.conf"));
  EXPECT_FALSE(fs::exists(dir_ / "work/apache/install.journal"));
  EXPECT_EQ(RenewalConf("app.example.com"), conf_before);
}

TEST_F(ApacheInstallUseCase, AnInterruptedInstallIsUndoneByTheNextRun) {
  Obtain("app.example.com", {"app.example.com"});
  // What a run killed after writing and linking leaves: a journal whose
  // twin the recovery removes, and the link to it.
  sys::PosixFilesystem disk;
  {
    sys::FileTransaction tx(disk, dir_ / "work/apache/install.journal");
    tx.Write({{dir_ / "apache/sites-available/app-le-ssl.conf",
               std::string("<VirtualHost *:443>\n</VirtualHost>\n")}});
  }
  fs::create_symlink("../sites-available/app-le-ssl.conf",
                     dir_ / "apache/sites-enabled/app-le-ssl.conf");
  InstallOptions o = Options("app.example.com");
  o.redirect = false;
  ASSERT_EQ(Install(o, services_), 0);
  // Recovered, then installed afresh.
  EXPECT_NE(Read("sites-available/app-le-ssl.conf").find("SSLEngine on"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "work/apache/install.journal"));
}

TEST_F(ApacheInstallUseCase, BadOptionsAreUsageErrors) {
  InstallOptions o = Options("app.example.com");
  o.apache.server_root.clear();
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("app.example.com");
  o.apache.server_root = dir_ / "nowhere";
  Obtain("app.example.com", {"app.example.com"});
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("app.example.com");
  o.enhance.staple_ocsp = true;
  EXPECT_THROW(Install(o, services_), UsageError);
}

}  // namespace
}  // namespace certpilot::app
