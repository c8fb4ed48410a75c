// `run --nginx` and the nginx authenticator end to end: the built binary,
// the real Pebble CA and a real nginx (NginxFixture) reverse-proxying to a
// loopback app — the seed layout. Pebble validates HTTP-01 on its
// http_port(), which is where nginx serves plain HTTP here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/cli_harness.h"
#include "support/free_port.h"
#include "support/nginx_fixture.h"
#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

class NginxRunTest : public SharedPebbleTest<> {
 protected:
  // The seed layout: nginx on the HTTP port in front of the app.
  std::string SeedSite(const std::string& name) const {
    return "server {\n"
           "    listen 127.0.0.1:" +
           std::to_string(nginx_.http_port()) +
           ";\n"
           "    server_name " +
           name +
           ";\n"
           "\n"
           "    location / {\n"
           "        proxy_pass http://127.0.0.1:" +
           std::to_string(app_.port()) +
           ";\n"
           "        proxy_set_header Host $host;\n"
           "    }\n"
           "}\n";
  }
  std::vector<std::string> NginxArgs() const {
    return {"--nginx",
            "--nginx-server-root",
            nginx_.server_root(),
            "--nginx-ctl",
            nginx_.binary(),
            "--http-01-port",
            std::to_string(nginx_.http_port())};
  }
  RunResult Cli(const std::string& subcommand, std::vector<std::string> extra) {
    for (const std::string& a : NginxArgs()) extra.push_back(a);
    extra.insert(extra.begin(), {"--agree-tos", "-m", "admin@example.com"});
    return cli_.Run(subcommand, extra);
  }
  std::string LiveSerial(const std::string& name) const {
    return CertSerialHex(
        ReadFileOrEmpty(cli_.config() + "/live/" + name + "/cert.pem"));
  }
  // Polls until the HTTPS port serves `serial` for `name` (reloads are
  // asynchronous). Returns the last serial seen.
  std::string AwaitServedSerial(const std::string& name,
                                const std::string& serial) {
    std::string seen;
    WaitFor([&] {
      seen = TlsGet(nginx_.https_port(), name).serial_hex;
      return seen == serial;
    });
    return seen;
  }
  void ExpectNoChallengeTrace() {
    for (const auto& [rel, text] : nginx_.Snapshot()) {
      EXPECT_EQ(text.find("acme-challenge"), std::string::npos) << rel << ":\n"
                                                                << text;
      EXPECT_EQ(text.find("challenge-servers.conf"), std::string::npos) << rel;
    }
    EXPECT_FALSE(fs::exists(cli_.dir() / "work/nginx/challenge-servers.conf"));
    EXPECT_FALSE(fs::exists(cli_.dir() / "work/nginx/challenge.journal"));
  }

  CliHarness cli_{*pebble_};
  LoopbackApp app_;
  NginxFixture nginx_{pebble_->http_port()};
};

TEST_F(NginxRunTest, RunWithRedirectServesTheCertificateAndRenewReloads) {
  nginx_.WriteFile("sites-enabled/app.conf", SeedSite("app.example.com"));
  nginx_.Start();
  ASSERT_EQ(PlainGet(nginx_.http_port(), "app.example.com", "/").body,
            app_.body());

  RunResult r =
      Cli("run", {"-d", "app.example.com", "--redirect", "--https-port",
                  std::to_string(nginx_.https_port())});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.out.find("Deployed the certificate app.example.com to nginx"),
            std::string::npos)
      << r.out;

  // The HTTPS port serves the new certificate (TLS handshake with SNI) and
  // proxies to the app.
  const std::string serial = LiveSerial("app.example.com");
  ASSERT_FALSE(serial.empty());
  EXPECT_EQ(AwaitServedSerial("app.example.com", serial), serial);
  TlsReply tls = TlsGet(nginx_.https_port(), "app.example.com", "/hello");
  EXPECT_EQ(tls.http.status, 200) << tls.error << tls.http.error;
  EXPECT_EQ(tls.http.body, app_.body());

  // Plain HTTP answers 301 to https, with the port since it is not 443.
  HttpReply http = PlainGet(nginx_.http_port(), "app.example.com", "/a/b?c=d");
  EXPECT_EQ(http.status, 301) << http.error;
  EXPECT_EQ(http.headers["location"],
            "https://app.example.com:" + std::to_string(nginx_.https_port()) +
                "/a/b?c=d");
  ExpectNoChallengeTrace();
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/app.example.com.conf");
  EXPECT_NE(conf.find("authenticator = nginx"), std::string::npos) << conf;
  EXPECT_NE(conf.find("installer = nginx"), std::string::npos) << conf;
  EXPECT_NE(conf.find("nginx_server_root = " + nginx_.server_root()),
            std::string::npos)
      << conf;

  // renew authenticates through nginx again — past the redirect — and
  // reloads it: the HTTPS port then serves the renewed certificate.
  r = cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  const std::string renewed = LiveSerial("app.example.com");
  ASSERT_NE(renewed, serial);
  EXPECT_EQ(AwaitServedSerial("app.example.com", renewed), renewed);
  EXPECT_EQ(cli_.Version("app.example.com"), 2);
  EXPECT_EQ(PlainGet(nginx_.http_port(), "app.example.com", "/").status, 301);
  ExpectNoChallengeTrace();
}

// As with certbot, options without a subcommand are `run`: a script's
// `certbot -d NAME --nginx` works as it is.
TEST_F(NginxRunTest, NoSubcommandIsRun) {
  nginx_.WriteFile("sites-enabled/app.conf", SeedSite("bare.example.com"));
  nginx_.Start();
  std::vector<std::string> args = cli_.CommonArgs();
  for (const std::string& a : NginxArgs()) args.push_back(a);
  args.insert(args.end(), {"-d", "bare.example.com", "--agree-tos", "-m",
                           "admin@example.com", "--https-port",
                           std::to_string(nginx_.https_port())});
  RunResult r = RunCertpilot(args);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.out.find("Deployed the certificate bare.example.com to nginx"),
            std::string::npos)
      << r.out;
  const std::string serial = LiveSerial("bare.example.com");
  ASSERT_FALSE(serial.empty());
  EXPECT_EQ(AwaitServedSerial("bare.example.com", serial), serial);
  ExpectNoChallengeTrace();
}

TEST_F(NginxRunTest, CertonlyThroughATemporaryServerBlockLeavesNoTrace) {
  // No block names new.example.com: a temporary server block serves the
  // challenge and disappears afterwards.
  nginx_.WriteFile("sites-enabled/app.conf", SeedSite("app.example.com"));
  nginx_.Start();
  const auto before = nginx_.Snapshot();
  RunResult r = Cli("certonly", {"-d", "new.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("new.example.com"), "");
  EXPECT_EQ(nginx_.Snapshot(), before);
  ExpectNoChallengeTrace();
  EXPECT_EQ(PlainGet(nginx_.http_port(), "app.example.com", "/").body,
            app_.body());
}

TEST_F(NginxRunTest, NginxThatIsNotRunningIsStartedAndSaidSo) {
  nginx_.WriteFile("sites-enabled/app.conf", SeedSite("app.example.com"));
  ASSERT_EQ(nginx_.RunningMasterPid(), -1);
  RunResult r = Cli("certonly", {"-d", "app.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.err.find("nginx was not running: started it"), std::string::npos)
      << r.err;
  EXPECT_GT(nginx_.RunningMasterPid(), 0);
  ExpectNoChallengeTrace();
}

TEST_F(NginxRunTest, FailingConfigurationTestLeavesEveryFileAndNoCertificate) {
  nginx_.WriteFile("sites-enabled/app.conf", SeedSite("app.example.com"));
  nginx_.Start();
  const auto before = nginx_.Snapshot();
  const std::string wrapper = cli_.dir() / "nginx-fails-t";
  {
    std::ofstream w(wrapper);
    w << "#!/bin/sh\n"
         "for a in \"$@\"; do\n"
         "  if [ \"$a\" = -t ]; then echo 'wrapper: nginx -t fails on purpose' "
         ">&2; exit 1; fi\n"
         "done\n"
         "exec "
      << nginx_.binary() << " \"$@\"\n";
  }
  fs::permissions(wrapper, fs::perms::owner_all);
  RunResult r = cli_.Run(
      "run", {"--agree-tos", "-m", "admin@example.com", "--nginx",
              "--nginx-server-root", nginx_.server_root(), "--nginx-ctl",
              wrapper, "--http-01-port", std::to_string(nginx_.http_port()),
              "--https-port", std::to_string(nginx_.https_port()), "-d",
              "app.example.com", "--redirect"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("wrapper: nginx -t fails on purpose"), std::string::npos)
      << r.err;
  EXPECT_EQ(nginx_.Snapshot(), before);
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/app.example.com"));
  ExpectNoChallengeTrace();
  EXPECT_EQ(PlainGet(nginx_.http_port(), "app.example.com", "/").body,
            app_.body());
}

}  // namespace
}  // namespace certpilot::testing
