// `install --nginx` end to end with a real nginx and Pebble: a block that
// lives in an included file, a failing `nginx -t` that must leave every file
// byte-identical, and a run killed mid-way that the next run recovers.
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

class NginxInstallTest : public SharedPebbleTest<> {
 protected:
  NginxInstallTest() {
    // The server block is two includes away from nginx.conf:
    // nginx.conf → sites-enabled/*.conf → apps/shop/server.conf.
    nginx_.WriteFile("sites-enabled/shop.conf",
                     "include apps/shop/server.conf;\n");
    WriteShopBlock(nginx_.http_port());
  }
  // The shop's server block, listening on `port`, proxying to the app.
  void WriteShopBlock(int port) {
    nginx_.WriteFile("apps/shop/server.conf",
                     "server {\n"
                     "\tlisten 127.0.0.1:" +
                         std::to_string(port) +
                         ";\n"
                         "\tserver_name shop.example.com;\n"
                         "\tlocation / {\n"
                         "\t\tproxy_pass http://127.0.0.1:" +
                         std::to_string(app_.port()) +
                         ";\n"
                         "\t}\n"
                         "}\n");
  }
  std::string Script(const std::string& name, const std::string& body) {
    const std::string path = cli_.dir() / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all);
    return path;
  }
  // An nginx whose configuration test (-t) always fails; anything else is
  // the real nginx.
  std::string FailingConfigTestCtl() {
    return Script("nginx-fails-t",
                  "for a in \"$@\"; do\n"
                  "  if [ \"$a\" = -t ]; then\n"
                  "    echo 'nginx: [emerg] failing on purpose' >&2; exit 1\n"
                  "  fi\n"
                  "done\n"
                  "exec " +
                      nginx_.binary() + " \"$@\"\n");
  }

  RunResult Install(const std::string& ctl) {
    return cli_.Run("install",
                    {"--nginx", "--cert-name", "shop.example.com",
                     "--nginx-server-root", nginx_.server_root(), "--nginx-ctl",
                     ctl, "--http-01-port", std::to_string(nginx_.http_port()),
                     "--https-port", std::to_string(nginx_.https_port())});
  }
  std::string LiveSerial() const {
    return CertSerialHex(
        ReadFileOrEmpty(cli_.config() + "/live/shop.example.com/cert.pem"));
  }

  CliHarness cli_{*pebble_};
  LoopbackApp app_;
  NginxFixture nginx_{pebble_->http_port()};
};

TEST_F(NginxInstallTest, InstallsIntoABlockInAnIncludedFile) {
  // Obtained with the standalone responder before nginx holds the port.
  RunResult r = cli_.Certonly({"-d", "shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nginx_.Start();
  const auto before = nginx_.Snapshot();

  r = Install(nginx_.binary());
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  const auto after = nginx_.Snapshot();
  for (const auto& [rel, text] : after) {
    if (rel == "apps/shop/server.conf") {
      EXPECT_NE(text, before.at(rel));
      EXPECT_NE(
          text.find(
              "\tssl_certificate " + cli_.config() +
              "/live/shop.example.com/fullchain.pem; # managed by certpilot\n"),
          std::string::npos)
          << text;
    } else {
      EXPECT_EQ(text, before.at(rel)) << rel << " should not change";
    }
  }
  const std::string serial = LiveSerial();
  std::string seen;
  EXPECT_TRUE(WaitFor([&] {
    seen = TlsGet(nginx_.https_port(), "shop.example.com").serial_hex;
    return seen == serial;
  })) << seen
      << " != " << serial;
  // Without --redirect plain HTTP keeps serving the app.
  EXPECT_EQ(PlainGet(nginx_.http_port(), "shop.example.com", "/").body,
            app_.body());
  EXPECT_EQ(TlsGet(nginx_.https_port(), "shop.example.com", "/").http.body,
            app_.body());
  EXPECT_NE(ReadFileOrEmpty(cli_.config() + "/options-ssl-nginx.conf")
                .find("ssl_protocols"),
            std::string::npos);
}

TEST_F(NginxInstallTest, FindsABlockOnAnotherPortByNameAndEnhancesIt) {
  // The block listens only on a port that is neither --http-01-port nor
  // --https-port: install finds it by name, says so, and adds TLS.
  const int other = FreeLoopbackPort();
  WriteShopBlock(other);
  RunResult r = cli_.Certonly({"-d", "shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nginx_.Start();
  r = Install(nginx_.binary());
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.out.find("Chose the server block for shop.example.com: "
                       "apps/shop/server.conf:1 (listen 127.0.0.1:" +
                       std::to_string(other) + "), exact name"),
            std::string::npos)
      << r.out;
  const std::string serial = LiveSerial();
  std::string seen;
  EXPECT_TRUE(WaitFor([&] {
    seen = TlsGet(nginx_.https_port(), "shop.example.com").serial_hex;
    return seen == serial;
  })) << seen
      << " != " << serial;
  EXPECT_EQ(PlainGet(other, "shop.example.com", "/").body, app_.body());

  // enhance: the headers are served over TLS, from the stored nginx.
  const std::vector<std::string> enhance{
      "--cert-name", "shop.example.com", "--hsts",
      "--uir",       "--https-port",     std::to_string(nginx_.https_port())};
  r = cli_.Run("enhance", enhance);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  TlsReply tls;
  EXPECT_TRUE(WaitFor([&] {
    tls = TlsGet(nginx_.https_port(), "shop.example.com", "/");
    return tls.http.headers.count("strict-transport-security") > 0;
  })) << tls.error;
  EXPECT_EQ(tls.http.headers["strict-transport-security"], "max-age=31536000");
  EXPECT_EQ(tls.http.headers["content-security-policy"],
            "upgrade-insecure-requests");
  EXPECT_EQ(tls.http.body, app_.body());

  // Again: nothing added, and it says so.
  const auto enhanced = nginx_.Snapshot();
  r = cli_.Run("enhance", enhance);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("already has every enhancement"), std::string::npos)
      << r.out;
  EXPECT_EQ(nginx_.Snapshot(), enhanced);
}

TEST_F(NginxInstallTest, EnhanceWithAFailingConfigTestChangesNoFile) {
  RunResult r = cli_.Certonly({"-d", "shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nginx_.Start();
  r = Install(nginx_.binary());
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  const auto before = nginx_.Snapshot();
  const std::string ctl = FailingConfigTestCtl();
  r = cli_.Run(
      "enhance",
      {"--cert-name", "shop.example.com", "--hsts", "--uir", "--staple-ocsp",
       "--nginx-server-root", nginx_.server_root(), "--nginx-ctl", ctl,
       "--https-port", std::to_string(nginx_.https_port())});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("failing on purpose"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Let's Encrypt ended its OCSP service"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(nginx_.Snapshot(), before);
  const TlsReply tls = TlsGet(nginx_.https_port(), "shop.example.com", "/");
  EXPECT_EQ(tls.http.headers.count("strict-transport-security"), 0u);
}

TEST_F(NginxInstallTest, FailingConfigTestLeavesEveryFileByteIdentical) {
  RunResult r = cli_.Certonly({"-d", "shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nginx_.Start();
  const auto before = nginx_.Snapshot();
  const std::string renewal_before =
      ReadFileOrEmpty(cli_.config() + "/renewal/shop.example.com.conf");
  const std::string ctl = FailingConfigTestCtl();
  r = Install(ctl);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("failing on purpose"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Restored byte for byte: " + nginx_.server_root() +
                       "/apps/shop/server.conf"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(nginx_.Snapshot(), before);
  EXPECT_FALSE(fs::exists(cli_.config() + "/options-ssl-nginx.conf"));
  EXPECT_EQ(ReadFileOrEmpty(cli_.config() + "/renewal/shop.example.com.conf"),
            renewal_before);
  EXPECT_FALSE(fs::exists(cli_.dir() / "work/nginx/install.journal"));
  EXPECT_EQ(PlainGet(nginx_.http_port(), "shop.example.com", "/").body,
            app_.body());
  EXPECT_NE(TlsGet(nginx_.https_port(), "shop.example.com").error,
            "");  // no TLS anywhere
}

TEST_F(NginxInstallTest, ARunKilledMidwayIsRecoveredByTheNextRun) {
  nginx_.Start();
  const auto before = nginx_.Snapshot();
  // This nginx-ctl kills certpilot (its parent) at the first reload: the
  // challenge response is in the configuration, nothing has cleaned up.
  const std::string mark = cli_.dir() / "killed";
  const std::string ctl = Script("nginx-kills-certpilot",
                                 "case \" $* \" in *\" -s reload \"*)\n"
                                 "  if [ ! -e " +
                                     mark + " ]; then touch " + mark +
                                     "; kill -9 $PPID; exit 1; fi;;\n"
                                     "esac\n"
                                     "exec " +
                                     nginx_.binary() + " \"$@\"\n");
  const std::vector<std::string> certonly{"--agree-tos",
                                          "-m",
                                          "admin@example.com",
                                          "--nginx",
                                          "--nginx-server-root",
                                          nginx_.server_root(),
                                          "--http-01-port",
                                          std::to_string(nginx_.http_port()),
                                          "-d",
                                          "shop.example.com",
                                          "--nginx-ctl"};
  std::vector<std::string> args = certonly;
  args.push_back(ctl);
  RunResult r = cli_.Run("certonly", args);
  EXPECT_EQ(r.exit_code, 128 + 9) << r.Describe();
  ASSERT_TRUE(fs::exists(mark));
  ASSERT_NE(nginx_.Snapshot(), before);  // the crash left the response in
  ASSERT_TRUE(fs::exists(cli_.dir() / "work/nginx/challenge.journal/manifest"));

  // The next run puts everything back first, then does its own work.
  args = certonly;
  args.push_back(nginx_.binary());
  r = cli_.Run("certonly", args);
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx_.ErrorLogTail();
  EXPECT_NE(r.err.find("An earlier certpilot run was interrupted"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("restored " + nginx_.server_root() + "/apps/shop/server.conf"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(nginx_.Snapshot(), before);
  EXPECT_FALSE(fs::exists(cli_.dir() / "work/nginx/challenge.journal"));
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
}

}  // namespace
}  // namespace certpilot::testing
