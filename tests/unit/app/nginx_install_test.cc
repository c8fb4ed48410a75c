// The install use case and renew's reload against the fake CA and a
// scripted nginx, on a real temp dir: what is written where, what the
// renewal conf records, what a rejected configuration leaves (nothing), and
// that renew reloads nginx once, after the deploy hooks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/usecases/certonly.h"
#include "app/usecases/enhance.h"
#include "app/usecases/install.h"
#include "app/usecases/renew.h"
#include "app/wiring/renewal_settings.h"
#include "nginx/patch/install_patch.h"
#include "nginx/runtime/safe_update.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "support/use_case_fixture.h"
#include "unit/nginx/fake_runner.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

namespace fs = std::filesystem;
using nginx::testing::FakeRunner;
using testing::ReadFileOrEmpty;

// `pid` names no file: no real nginx in /proc is ever waited for.
constexpr char kMain[] =
    "pid /nonexistent/certpilot-test.pid;\nevents {}\nhttp {\n    include "
    "sites-enabled/*.conf;\n}\n";
constexpr char kSite[] =
    "server {\n"
    "    listen 80;\n"
    "    server_name app.example.com www.app.example.com;\n"
    "    location / { proxy_pass http://127.0.0.1:8080; }\n"
    "}\n";

class NginxInstallUseCase : public testing::UseCaseTest<FakeRunner> {
 protected:
  NginxInstallUseCase() {
    fs::create_directories(dir_ / "nginx/sites-enabled");
    std::ofstream(dir_ / "nginx/nginx.conf") << kMain;
    std::ofstream(dir_ / "nginx/sites-enabled/app.conf") << kSite;
  }

  // A lineage for the site's names, obtained with --standalone (the fake
  // CA validates nothing).
  void Obtain(const std::string& name, std::vector<std::string> domains) {
    CertonlyOptions o = StandaloneCertonly(std::move(domains));
    o.cert_name = name;
    ASSERT_EQ(Certonly(o, services_), 0);
    runner_.Reset();  // forget what certonly ran
  }
  InstallOptions Options(const std::string& name) {
    InstallOptions o;
    o.common = common_;
    o.cert_name = name;
    o.installer = "nginx";
    o.nginx.server_root = dir_ / "nginx";
    o.nginx.ctl = "/usr/sbin/nginx";
    o.redirect = true;
    return o;
  }
  EnhanceOptions Enhancing(const std::string& name) {
    EnhanceOptions o;
    o.common = common_;
    o.cert_name = name;
    o.enhance.hsts = true;
    o.enhance.uir = true;
    return o;
  }
  std::string Conf() const { return dir_ / "nginx/nginx.conf"; }
  std::string Site() const {
    return ReadFileOrEmpty(dir_ / "nginx/sites-enabled/app.conf");
  }
  std::string RenewalConf(const std::string& name) const {
    return ReadFileOrEmpty(dir_ / ("config/renewal/" + name + ".conf"));
  }
};

TEST_F(NginxInstallUseCase, InstallsTestsReloadsAndRecordsTheInstaller) {
  Obtain("app.example.com", {"app.example.com", "www.app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);

  const std::string live = dir_ / "config/live/app.example.com";
  const std::string site = Site();
  EXPECT_NE(site.find("ssl_certificate " + live +
                      "/fullchain.pem; # managed by certpilot"),
            std::string::npos)
      << site;
  EXPECT_NE(site.find("ssl_certificate_key " + live +
                      "/privkey.pem; # managed by certpilot"),
            std::string::npos)
      << site;
  EXPECT_NE(site.find("if ($host = www.app.example.com) {"), std::string::npos)
      << site;
  const std::string options = dir_ / "config/options-ssl-nginx.conf";
  EXPECT_NE(site.find("include " + options + ";"), std::string::npos) << site;
  EXPECT_NE(ReadFileOrEmpty(options).find("ssl_protocols TLSv1.2 TLSv1.3;"),
            std::string::npos);
  EXPECT_EQ(runner_.Commands(),
            (std::vector<std::string>{"-t -c " + Conf(),
                                      "-c " + Conf() + " -s reload"}));
  EXPECT_EQ(runner_.calls()[0][0], "/usr/sbin/nginx");

  const std::string conf = RenewalConf("app.example.com");
  EXPECT_NE(conf.find("installer = nginx"), std::string::npos) << conf;
  EXPECT_NE(conf.find("nginx_server_root = " + dir_ / "nginx"),
            std::string::npos)
      << conf;
  EXPECT_NE(conf.find("nginx_ctl = /usr/sbin/nginx"), std::string::npos)
      << conf;
  EXPECT_NE(
      out_.str().find("Deployed the certificate app.example.com to nginx"),
      std::string::npos)
      << out_.str();
  // A backup of the files as they were is kept under WORK/nginx/backups.
  ASSERT_TRUE(fs::exists(dir_ / "work/nginx/backups"));
  EXPECT_FALSE(fs::exists(dir_ / "work/nginx/install.journal"));

  // Again: nothing to do, nginx not touched, the options file kept as edited.
  std::ofstream(options, std::ios::app) << "# my edit\n";
  runner_.Reset();
  out_.str("");
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);
  EXPECT_EQ(Site(), site);
  EXPECT_TRUE(runner_.calls().empty());
  EXPECT_NE(ReadFileOrEmpty(options).find("# my edit"), std::string::npos);
  EXPECT_NE(out_.str().find("nothing changed"), std::string::npos)
      << out_.str();
}

TEST_F(NginxInstallUseCase, RejectedConfigurationLeavesEveryFileAsItWas) {
  Obtain("app.example.com", {"app.example.com"});
  const std::string conf_before = RenewalConf("app.example.com");
  runner_.script = [](const std::vector<std::string>& argv) {
    return FakeRunner::Has(argv, "-t")
               ? FakeRunner::Exit(1, "nginx: [emerg] no\n")
               : FakeRunner::Exit(0, "");
  };
  try {
    Install(Options("app.example.com"), services_);
    FAIL() << "no error";
  } catch (const nginx::ConfigUpdateError& e) {
    EXPECT_NE(std::string(e.what()).find("Restored byte for byte"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Site(), kSite);
  EXPECT_EQ(ReadFileOrEmpty(Conf()), kMain);
  EXPECT_FALSE(fs::exists(dir_ / "config/options-ssl-nginx.conf"));
  EXPECT_FALSE(fs::exists(dir_ / "work/nginx/install.journal"));
  EXPECT_EQ(RenewalConf("app.example.com"),
            conf_before);  // installer not recorded
}

TEST_F(NginxInstallUseCase, NamesWithoutABlockAreReportedAndNothingChanges) {
  Obtain("other", {"other.example.com"});
  EXPECT_THROW(Install(Options("other"), services_), nginx::NoServerBlockError);
  EXPECT_EQ(Site(), kSite);
  EXPECT_TRUE(runner_.calls().empty());
}

TEST_F(NginxInstallUseCase, BadOptionsAreUsageErrors) {
  InstallOptions o = Options("app.example.com");
  o.installer.clear();
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("");
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("app.example.com");
  o.https_port = 80;
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("missing");
  EXPECT_THROW(Install(o, services_), UsageError);
  o = Options("app.example.com");
  o.nginx.server_root = dir_ / "nowhere";
  Obtain("app.example.com", {"app.example.com"});
  try {
    Install(o, services_);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--nginx-server-root"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(NginxInstallUseCase, RenewReloadsNginxOnceAfterTheDeployHooks) {
  Obtain("app.example.com", {"app.example.com"});
  Obtain("www", {"www.app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);
  ASSERT_EQ(Install(Options("www"), services_), 0);
  runner_.Reset();
  RenewOptions r;
  r.common = common_;
  r.force_renewal = true;
  r.no_random_sleep = true;
  r.deploy_hook = "true deployed";
  // The lineages were obtained with --standalone on a port of their own.
  ASSERT_EQ(Renew(r, services_), 0) << out_.str();
  std::vector<std::string> cmds;
  for (const auto& argv : runner_.calls()) cmds.push_back(argv.back());
  ASSERT_GE(cmds.size(), 3u);
  EXPECT_EQ(cmds.back(), "reload");
  int reloads = 0;
  for (const std::string& c : cmds) reloads += c == "reload";
  EXPECT_EQ(reloads, 1) << ::testing::PrintToString(cmds);
  EXPECT_EQ(cmds[0], "true deployed");
  EXPECT_EQ(cmds[1], "true deployed");
}

TEST_F(NginxInstallUseCase, EnhanceAddsTheHeadersOnceThroughTheStoredNginx) {
  Obtain("app.example.com", {"app.example.com", "www.app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);
  const std::string installed = Site();
  runner_.Reset();
  out_.str("");
  // No --nginx-server-root: the renewal conf's nginx is used.
  ASSERT_EQ(Enhance(Enhancing("app.example.com"), services_), 0);
  const std::string site = Site();
  EXPECT_NE(site.find("add_header Strict-Transport-Security "
                      "\"max-age=31536000\" always; # managed by certpilot"),
            std::string::npos)
      << site;
  EXPECT_NE(site.find("add_header Content-Security-Policy "
                      "\"upgrade-insecure-requests\" always;"),
            std::string::npos)
      << site;
  EXPECT_EQ(runner_.Commands(),
            (std::vector<std::string>{"-t -c " + Conf(),
                                      "-c " + Conf() + " -s reload"}));
  EXPECT_NE(out_.str().find("Enhanced app.example.com in nginx"),
            std::string::npos)
      << out_.str();
  EXPECT_EQ(installed.find("Strict-Transport-Security"), std::string::npos);

  runner_.Reset();
  out_.str("");
  ASSERT_EQ(Enhance(Enhancing("app.example.com"), services_), 0);
  EXPECT_EQ(Site(), site);
  EXPECT_TRUE(runner_.calls().empty());
  EXPECT_NE(out_.str().find("already has every enhancement"), std::string::npos)
      << out_.str();
}

TEST_F(NginxInstallUseCase,
       InstallWithHstsAndAFailingTestLeavesFilesAsTheyWere) {
  Obtain("app.example.com", {"app.example.com"});
  InstallOptions o = Options("app.example.com");
  o.enhance.hsts = true;
  ASSERT_EQ(Install(o, services_), 0);
  EXPECT_NE(Site().find("Strict-Transport-Security"), std::string::npos);

  // enhance --uir with an nginx -t that fails: every file byte-identical.
  const std::string site = Site();
  const std::string conf = RenewalConf("app.example.com");
  runner_.script = [](const std::vector<std::string>& argv) {
    return FakeRunner::Has(argv, "-t")
               ? FakeRunner::Exit(1, "nginx: [emerg] no\n")
               : FakeRunner::Exit(0, "");
  };
  EnhanceOptions e = Enhancing("app.example.com");
  e.redirect = true;
  EXPECT_THROW(Enhance(e, services_), nginx::ConfigUpdateError);
  EXPECT_EQ(Site(), site);
  EXPECT_EQ(ReadFileOrEmpty(Conf()), kMain);
  EXPECT_EQ(RenewalConf("app.example.com"), conf);
  EXPECT_FALSE(fs::exists(dir_ / "work/nginx/install.journal"));
}

TEST_F(NginxInstallUseCase, EnhanceNeedsAnInstalledLineageAndAnEnhancement) {
  Obtain("app.example.com", {"app.example.com"});
  EXPECT_THROW(Enhance(Enhancing("app.example.com"), services_), UsageError);
  EnhanceOptions none = Enhancing("app.example.com");
  none.enhance = {};
  EXPECT_THROW(Enhance(none, services_), UsageError);
  EXPECT_THROW(Enhance(Enhancing("../x"), services_), UsageError);
  EXPECT_EQ(Site(), kSite);
  EXPECT_TRUE(runner_.calls().empty());
}

TEST_F(NginxInstallUseCase, StaplingIsNotAddedForACertificateWithoutOcsp) {
  Obtain("app.example.com", {"app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);
  const std::string site = Site();
  runner_.Reset();
  out_.str("");
  EnhanceOptions o = Enhancing("app.example.com");
  o.enhance = {};
  o.enhance.staple_ocsp = true;
  ASSERT_EQ(Enhance(o, services_), 0);  // the fake CA's names no responder
  EXPECT_EQ(Site(), site);
  EXPECT_TRUE(runner_.calls().empty());
  EXPECT_NE(out_.str().find("nothing changed"), std::string::npos)
      << out_.str();
}

TEST_F(NginxInstallUseCase, RenewalSettingsKeepTheInstaller) {
  Obtain("app.example.com", {"app.example.com"});
  ASSERT_EQ(Install(Options("app.example.com"), services_), 0);
  RunContext ctx(common_, services_, TreeLock::kNone);
  RenewalSettings s = ReadRenewalConf(ctx, "app.example.com");
  EXPECT_EQ(s.installer, "nginx");
  EXPECT_EQ(s.nginx.server_root, dir_ / "nginx");
  EXPECT_EQ(s.nginx.ctl, "/usr/sbin/nginx");
  EXPECT_EQ(s.authenticator, "standalone");
  // A later certonly does not forget it; certbot's "None" means none.
  WriteRenewalConf(ctx, "app.example.com", [&] {
    RenewalSettings t = s;
    t.installer.clear();
    return t;
  }());
  EXPECT_EQ(ReadRenewalConf(ctx, "app.example.com").installer, "nginx");
  const std::string path = dir_ / "config/renewal/app.example.com.conf";
  std::string text = ReadFileOrEmpty(path);
  text.replace(text.find("installer = nginx"), 17, "installer = None");
  std::ofstream(path, std::ios::trunc) << text;
  EXPECT_EQ(ReadRenewalConf(ctx, "app.example.com").installer, "");
}

}  // namespace
}  // namespace certpilot::app
