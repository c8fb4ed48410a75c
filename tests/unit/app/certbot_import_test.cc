// What import-certbot decides about certbot's settings
// (app/rules/certbot_import.h). The import itself, with the real certbot,
// is tests/integration/import_certbot_test.cc.
#include "app/rules/certbot_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/usage_message.h"

namespace certpilot::app {
namespace {

using testing::UsageMessage;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

TEST(CertbotImport, PluginsCertpilotHasKeepTheirNames) {
  EXPECT_THAT(CertpilotAuthenticatorFor("dns-rfc2136"),
              Optional(std::string("dns-rfc2136")));
  EXPECT_THAT(CertpilotAuthenticatorFor("certbot-dns-rfc2136:dns-rfc2136"),
              Optional(std::string("dns-rfc2136")));
  EXPECT_THAT(CertpilotAuthenticatorFor("webroot"),
              Optional(std::string("webroot")));
  EXPECT_THAT(CertpilotAuthenticatorFor("dns-cloudflare"),
              Optional(std::string("dns-cloudflare")));
  EXPECT_EQ(CertpilotAuthenticatorFor("dns-gehirn"), std::nullopt);
  EXPECT_THAT(CertpilotAuthenticatorFor("apache"),
              Optional(std::string("apache")));
  EXPECT_EQ(CertpilotAuthenticatorFor("iis"), std::nullopt);
}

// Every certbot-dns-* plugin certpilot has a provider for keeps its name,
// in today's spelling and certbot < 1.7's "distribution:plugin" one.
TEST(CertbotImport, CertbotsDnsPluginsCertpilotHasKeepTheirNames) {
  for (const std::string plugin :
       {"dns-cloudflare", "dns-digitalocean", "dns-google", "dns-linode",
        "dns-ovh", "dns-route53"}) {
    EXPECT_THAT(CertpilotAuthenticatorFor(plugin), Optional(plugin));
    EXPECT_THAT(CertpilotAuthenticatorFor("certbot-" + plugin + ":" + plugin),
                Optional(plugin));
    EXPECT_NO_THROW(
        CheckLineageAuthenticator("a", plugin, {"*.a.example"}, "/c"));
  }
  // Third-party plugins under the names certpilot gives these providers.
  EXPECT_THAT(CertpilotAuthenticatorFor("dns-hetzner"),
              Optional(std::string("dns-hetzner")));
  EXPECT_THAT(CertpilotAuthenticatorFor("dns-gandi"),
              Optional(std::string("dns-gandi")));
}

TEST(CertbotImport, TheFixForAMissingPluginFitsIt) {
  EXPECT_EQ(ReconfigureCommandFor("a.example", "apache", {"a.example"},
                                  "/etc/certpilot"),
            "certpilot reconfigure --cert-name a.example --webroot -w "
            "DOCUMENT_ROOT");
  EXPECT_EQ(ReconfigureCommandFor("b", "dns-gehirn", {"b.example"}, "/c"),
            "certpilot reconfigure --config-dir /c --cert-name b --manual "
            "--preferred-challenges dns --manual-auth-hook AUTH_HOOK "
            "--manual-cleanup-hook CLEANUP_HOOK");
  EXPECT_THAT(ReconfigureCommandFor("a", "apache", {"a"}, "/my certs/it's"),
              HasSubstr("--config-dir '/my certs/it'\\''s' --cert-name a "));
  // A wildcard can only be proved over DNS, whatever the plugin was.
  EXPECT_THAT(ReconfigureCommandFor("w", "apache", {"w.example", "*.w.example"},
                                    "/etc/certpilot"),
              HasSubstr("--preferred-challenges dns"));
}

TEST(CertbotImport, TheCommandThatPointsNginxAtCertpilotsFiles) {
  EXPECT_EQ(InstallCommandFor("a", NginxOptions{}, 80, "/etc/certpilot"),
            "certpilot install --cert-name a --nginx");
  EXPECT_EQ(InstallCommandFor("a", NginxOptions{"/srv/nginx", "/opt/nginx"},
                              8080, "/c"),
            "certpilot install --config-dir /c --cert-name a --nginx "
            "--nginx-server-root /srv/nginx --nginx-ctl /opt/nginx "
            "--http-01-port 8080");
}

TEST(CertbotImport, TheCommandThatPointsApacheAtCertpilotsFiles) {
  EXPECT_EQ(InstallCommandFor("a", ApacheOptions{}, 80, "/etc/certpilot"),
            "certpilot install --cert-name a --apache");
  ApacheOptions httpd;
  httpd.server_root = "/etc/httpd";
  httpd.ctl = "apachectl";
  EXPECT_EQ(InstallCommandFor("a", httpd, 8080, "/c"),
            "certpilot install --config-dir /c --cert-name a --apache "
            "--apache-server-root /etc/httpd --apache-ctl apachectl "
            "--http-01-port 8080");
}

TEST(CertbotImport, RenewNamesTheFixForALineageItCannotRenew) {
  EXPECT_NO_THROW(
      CheckLineageAuthenticator("a", "dns-rfc2136", {"a.example"}, "/c"));
  std::string message = UsageMessage([] {
    CheckLineageAuthenticator("gh.example", "dns-gehirn", {"gh.example"},
                              "/etc/certpilot");
  });
  EXPECT_THAT(message, HasSubstr("the authenticator \"dns-gehirn\" "
                                 "is not in certpilot"));
  EXPECT_THAT(message, HasSubstr("certpilot reconfigure --cert-name "
                                 "gh.example --manual"));
}

TEST(CertbotImport, RecognisesLetsEncrypt) {
  EXPECT_TRUE(
      IsLetsEncryptServer("https://acme-v02.api.letsencrypt.org/directory"));
  EXPECT_TRUE(IsLetsEncryptServer(
      "https://ACME-staging-v02.api.letsencrypt.org/directory"));
  EXPECT_FALSE(IsLetsEncryptServer("https://acme.zerossl.com/v2/DV90"));
  EXPECT_FALSE(IsLetsEncryptServer("https://127.0.0.1:14000/dir"));
  EXPECT_FALSE(
      IsLetsEncryptServer("https://acme-v02.api.letsencrypt.org.evil/dir"));
  EXPECT_FALSE(IsLetsEncryptServer(""));
}

TEST(CertbotImport, CertbotsCliIniBecomesCertpilots) {
  const std::string certbot =
      "# Because we are using logrotate, ...\n"
      "max-log-backups = 0\n"
      "keep-until-expiring = True\n"
      "--dns-rfc2136-propagation-seconds: 30\n"
      "config-dir = /etc/letsencrypt\n"
      "work-dir=/var/lib/letsencrypt\n"
      "must-staple\n"
      "rsa-key-size = 4096\n";
  CliIniMerge m =
      MergeCertbotCliIni(certbot, "/etc/letsencrypt/cli.ini", std::nullopt);
  ASSERT_TRUE(m.text);
  EXPECT_EQ(*m.text,
            "# certpilot import-certbot: from certbot's "
            "/etc/letsencrypt/cli.ini\n"
            "# Because we are using logrotate, ...\n"
            "max-log-backups = 0\n"
            "keep-until-expiring = True\n"
            "--dns-rfc2136-propagation-seconds: 30\n"
            "# certpilot import-certbot: left out (certbot's directory; "
            "certpilot keeps its own): config-dir = /etc/letsencrypt\n"
            "# certpilot import-certbot: left out (certbot's directory; "
            "certpilot keeps its own): work-dir=/var/lib/letsencrypt\n"
            "# certpilot import-certbot: left out (Let's Encrypt has "
            "rejected Must-Staple certificates since May 2025): must-staple\n"
            "rsa-key-size = 4096\n");
  EXPECT_THAT(m.notes, ElementsAre(HasSubstr("config-dir: left out"),
                                   HasSubstr("work-dir: left out"),
                                   HasSubstr("must-staple: left out")));
}

TEST(CertbotImport, MustStapleStaysForOtherCas) {
  for (const char* text :
       {"server = https://ca.example/dir\nmust-staple = true\n",
        "must-staple\nserver: \"https://ca.example/dir\" # ours\n"}) {
    CliIniMerge m = MergeCertbotCliIni(text, "cli.ini", std::nullopt);
    ASSERT_TRUE(m.text);
    EXPECT_THAT(*m.text, Not(HasSubstr("left out"))) << text;
  }
  for (const char* text :
       {"staging\nserver = https://ca.example/dir\nmust-staple = true\n",
        "server = https://acme-v02.api.letsencrypt.org/directory\n"
        "must-staple = true\n"}) {
    CliIniMerge m = MergeCertbotCliIni(text, "cli.ini", std::nullopt);
    ASSERT_TRUE(m.text);
    EXPECT_THAT(*m.text, HasSubstr("left out (Let's Encrypt")) << text;
  }
  // Turned off, it is nothing to warn about.
  CliIniMerge off =
      MergeCertbotCliIni("must-staple = false\n", "cli.ini", std::nullopt);
  EXPECT_TRUE(off.notes.empty());
}

TEST(CertbotImport, CertpilotsOwnCliIniWins) {
  const std::string ours = "email = ours@example.com\nkey-type = rsa";
  CliIniMerge m = MergeCertbotCliIni(
      "# certbot's comment\nemail = theirs@example.com\n"
      "agree-tos = True\n[section]\nconfig-dir = /etc/letsencrypt\n",
      "/le/cli.ini", ours);
  ASSERT_TRUE(m.text);
  EXPECT_EQ(*m.text,
            "email = ours@example.com\nkey-type = rsa\n\n"
            "# certpilot import-certbot: from certbot's /le/cli.ini (the "
            "options above stay as they were)\n"
            "# certpilot import-certbot: left out (set already by certpilot's "
            "cli.ini): email = theirs@example.com\n"
            "agree-tos = True\n"
            "# certpilot import-certbot: left out (certbot's directory; "
            "certpilot keeps its own): config-dir = /etc/letsencrypt\n");
  // Once merged, importing again adds nothing.
  CliIniMerge again = MergeCertbotCliIni(
      "email = theirs@example.com\nagree-tos = True\n", "/le/cli.ini", *m.text);
  EXPECT_EQ(again.text, std::nullopt);
}

}  // namespace
}  // namespace certpilot::app
