// `install --apache` end to end with a real Apache (support/apache_fixture.h)
// and Pebble: every case checks what Apache then serves over a real TLS
// handshake on its loopback HTTPS port. The Debian default site (certbot's
// -le-ssl.conf twin, a2enmod ssl, a2ensite's link), an existing TLS vhost
// whose certificate paths are swapped, --redirect on a port other than 80,
// a failing configtest (every file byte for byte as before), a run killed
// during Apache's reload (recovered by the next), and `renew` reloading
// Apache once for two renewed lineages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/apache_fixture.h"
#include "support/cli_harness.h"
#include "support/nginx_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

class ApacheInstallTest : public SharedPebbleTest<> {
 protected:
  explicit ApacheInstallTest(std::vector<std::string> modules = {})
      : apache_(pebble_->http_port(), 0, modules) {}

  std::vector<std::string> ApacheArgs(
      const std::string& ctl = ApacheFixture::kCtl) const {
    std::vector<std::string> args = apache_.CliArgs(ctl);
    args.push_back("--https-port");
    args.push_back(std::to_string(apache_.https_port()));
    return args;
  }
  // Obtained through the Apache authenticator (so that `renew` can use it
  // again while Apache holds the HTTP port).
  void Obtain(const std::string& name) const {
    const RunResult r = cli_.Run(
        "certonly",
        With({"--agree-tos", "-m", "admin@example.com", "--apache", "-d", name},
             apache_.CliArgs()));
    ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  }
  RunResult Install(const std::string& name,
                    const std::string& ctl = ApacheFixture::kCtl,
                    const std::vector<std::string>& extra = {}) const {
    return cli_.Run(
        "install",
        With(With({"--apache", "--cert-name", name}, ApacheArgs(ctl)), extra));
  }
  std::string LiveSerial(const std::string& name) const {
    return CertSerialHex(
        ReadFileOrEmpty(cli_.config() + "/live/" + name + "/cert.pem"));
  }
  // Polls (a graceful reload takes effect after apache2ctl returned) until
  // Apache's TLS port serves `serial` for `sni`.
  void ExpectServed(const std::string& sni, const std::string& serial) const {
    std::string seen;
    EXPECT_TRUE(WaitFor([&] {
      const TlsReply tls = TlsGet(apache_.https_port(), sni);
      seen = tls.serial_hex.empty() ? tls.error : tls.serial_hex;
      return seen == serial;
    })) << seen
        << " != " << serial << "\n"
        << apache_.ErrorLogTail();
  }

  CliHarness cli_{*pebble_};
  ApacheFixture apache_;
};

TEST_F(ApacheInstallTest, InstallsIntoTheDebianDefaultSite) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  ASSERT_NO_FATAL_FAILURE(Obtain("shop.example.com"));
  const auto before = apache_.Snapshot();

  RunResult r = Install("shop.example.com");
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  const TlsReply tls = TlsGet(apache_.https_port(), "shop.example.com", "/");
  EXPECT_EQ(tls.http.body, "default site\n") << tls.error;
  // certbot's shape: the twin beside the site, linked as a2ensite does, and
  // mod_ssl enabled through a2enmod; the site itself unchanged.
  const auto after = apache_.Snapshot();
  EXPECT_EQ(after.at("sites-available/000-default.conf"),
            before.at("sites-available/000-default.conf"));
  const std::string twin = after.at("sites-available/000-default-le-ssl.conf");
  EXPECT_NE(twin.find("SSLCertificateFile " + cli_.config() +
                      "/live/shop.example.com/fullchain.pem"),
            std::string::npos)
      << twin;
  EXPECT_EQ(after.at("sites-enabled/000-default-le-ssl.conf"),
            "-> ../sites-available/000-default-le-ssl.conf");
  EXPECT_EQ(after.at("mods-enabled/ssl.load"), "-> ../mods-available/ssl.load");
  // Plain HTTP keeps serving the site (no --redirect).
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").body,
            "default site\n");
}

class ApacheInstallSslTest : public ApacheInstallTest {
 protected:
  ApacheInstallSslTest() : ApacheInstallTest({"ssl"}) {}
};

TEST_F(ApacheInstallSslTest, AnExistingTlsVhostGetsItsCertificateSwapped) {
  apache_.NameTheDefaultSite("shop.example.com");
  // A TLS vhost of its own, with a self-signed certificate.
  const std::string old_cert = apache_.dir() + "/old-cert.pem";
  const std::string old_key = apache_.dir() + "/old-key.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                         "-subj /CN=shop.example.com -keyout " +
                         old_key + " -out " + old_cert + " 2>/dev/null")
                            .c_str()),
            0);
  const std::string https = std::to_string(apache_.https_port());
  apache_.AddSite("shop-ssl", "<VirtualHost *:" + https +
                                  ">\n"
                                  "\tServerName shop.example.com\n"
                                  "\tDocumentRoot " +
                                  apache_.www() +
                                  "/html\n"
                                  "\tSSLEngine on\n"
                                  "\tSSLCertificateFile " +
                                  old_cert +
                                  "\n"
                                  "\tSSLCertificateKeyFile " +
                                  old_key +
                                  "\n"
                                  "</VirtualHost>\n");
  apache_.Start();
  ExpectServed("shop.example.com", CertSerialHex(ReadFileOrEmpty(old_cert)));
  ASSERT_NO_FATAL_FAILURE(Obtain("shop.example.com"));
  const auto before = apache_.Snapshot();

  RunResult r = Install("shop.example.com");
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  const auto after = apache_.Snapshot();
  const std::string live = cli_.config() + "/live/shop.example.com/";
  for (const auto& [rel, text] : after) {
    if (rel == "sites-available/shop-ssl.conf") {
      EXPECT_NE(text.find("\tSSLCertificateFile " + live + "fullchain.pem\n"),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("\tSSLCertificateKeyFile " + live + "privkey.pem\n"),
                std::string::npos)
          << text;
      EXPECT_EQ(text.find(old_cert), std::string::npos) << text;
    } else {
      ASSERT_EQ(before.count(rel), 1u) << rel << " is new";  // no twin
      EXPECT_EQ(text, before.at(rel)) << rel << " should not change";
    }
  }
}

TEST_F(ApacheInstallTest, RedirectsToTheHttpsPortItUses) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  ASSERT_NO_FATAL_FAILURE(Obtain("shop.example.com"));
  RunResult r =
      Install("shop.example.com", ApacheFixture::kCtl, {"--redirect"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  HttpReply reply;
  EXPECT_TRUE(WaitFor([&] {
    reply = PlainGet(apache_.http_port(), "shop.example.com", "/a/b?c=d");
    return reply.status == 301;
  })) << reply.status
      << reply.error << apache_.ErrorLogTail();
  EXPECT_EQ(reply.headers["location"],
            "https://shop.example.com:" + std::to_string(apache_.https_port()) +
                "/a/b?c=d");
  // Following it works: the twin does not redirect again.
  const TlsReply tls = TlsGet(apache_.https_port(), "shop.example.com", "/");
  EXPECT_EQ(tls.http.status, 200) << tls.error;
  EXPECT_EQ(tls.http.body, "default site\n");
}

TEST_F(ApacheInstallTest, RunObtainsAndInstallsWithTheEnhancements) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  const RunResult r = cli_.Run(
      "run", With({"--agree-tos", "-m", "admin@example.com", "--apache", "-d",
                   "shop.example.com", "--redirect", "--hsts", "--uir"},
                  ApacheArgs()));
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  const TlsReply tls = TlsGet(apache_.https_port(), "shop.example.com", "/");
  EXPECT_EQ(tls.http.body, "default site\n") << tls.error;
  auto headers = tls.http.headers;
  EXPECT_EQ(headers["strict-transport-security"], "max-age=31536000");
  EXPECT_EQ(headers["content-security-policy"], "upgrade-insecure-requests");
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").status, 301);
  EXPECT_NE(ReadFileOrEmpty(cli_.config() + "/renewal/shop.example.com.conf")
                .find("installer = apache"),
            std::string::npos);
}

TEST_F(ApacheInstallTest, AFailingConfigtestRestoresEveryFile) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  ASSERT_NO_FATAL_FAILURE(Obtain("shop.example.com"));
  const auto before = apache_.Snapshot();
  const std::string renewal_before =
      ReadFileOrEmpty(cli_.config() + "/renewal/shop.example.com.conf");

  RunResult r = Install("shop.example.com", apache_.FailingConfigtestCtl(),
                        {"--redirect", "--hsts"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("failing on purpose"), std::string::npos) << r.err;
  EXPECT_EQ(apache_.Snapshot(), before);
  EXPECT_EQ(ReadFileOrEmpty(cli_.config() + "/renewal/shop.example.com.conf"),
            renewal_before);
  EXPECT_FALSE(fs::exists(cli_.dir() / "work/apache/install.journal"));
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").body,
            "default site\n");
  EXPECT_NE(TlsGet(apache_.https_port(), "shop.example.com").error, "");
}

TEST_F(ApacheInstallTest, ARunKilledDuringTheReloadIsRecoveredByTheNext) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  ASSERT_NO_FATAL_FAILURE(Obtain("shop.example.com"));
  const auto before = apache_.Snapshot();

  const std::string mark = cli_.dir() / "killed";
  RunResult r = Install("shop.example.com", apache_.KillingCtl(mark));
  EXPECT_EQ(r.exit_code, 128 + 9) << r.Describe();
  ASSERT_TRUE(fs::exists(mark));
  ASSERT_TRUE(fs::exists(cli_.dir() / "work/apache/install.journal"));

  // The next run undoes the unfinished install first, then installs.
  r = Install("shop.example.com");
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_NE(r.err.find("An earlier certpilot run was interrupted"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(cli_.dir() / "work/apache/install.journal"));
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  EXPECT_EQ(apache_.Snapshot().at("sites-available/000-default.conf"),
            before.at("sites-available/000-default.conf"));
}

TEST_F(ApacheInstallTest, RenewReloadsApacheOnceForTwoLineages) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.AddSite("blog",
                  "<VirtualHost *:" + std::to_string(apache_.http_port()) +
                      ">\n    ServerName blog.example.com\n"
                      "    DocumentRoot " +
                      apache_.www() + "/html\n</VirtualHost>\n");
  apache_.Start();
  for (const std::string name : {"shop.example.com", "blog.example.com"}) {
    ASSERT_NO_FATAL_FAILURE(Obtain(name));
    const RunResult r = Install(name);
    ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  }
  const std::string old_serial = LiveSerial("shop.example.com");
  ExpectServed("shop.example.com", old_serial);

  const RunResult r =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(Count(r.out + r.err, "Reloaded Apache ("), 1) << r.Describe();
  EXPECT_EQ(cli_.Version("shop.example.com"), 2);
  EXPECT_EQ(cli_.Version("blog.example.com"), 2);
  ASSERT_NE(LiveSerial("shop.example.com"), old_serial);
  ExpectServed("shop.example.com", LiveSerial("shop.example.com"));
  ExpectServed("blog.example.com", LiveSerial("blog.example.com"));
}

}  // namespace
}  // namespace certpilot::testing
