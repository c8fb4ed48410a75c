// import-certbot with a tree made by the real certbot 2.1 (Debian's certbot,
// python3-certbot-nginx and python3-certbot-dns-rfc2136) against Pebble,
// one test per certbot plugin: standalone, webroot, nginx, dns-rfc2136 and
// manual (with auth hooks). certbot reads the tree's cli.ini (-c); each test
// imports the tree and renews the lineage with certpilot, proving the
// settings came over. Plugins certpilot lacks are reported before anything
// is written, imported all the same, and `renew` fails them with the
// command that fixes them until `reconfigure` does.
//
// Pebble runs without authorization reuse (PebbleOptions' default), and no
// assertion depends on whether a renewal reused an authorization.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/dns_server_fixture.h"
#include "support/google_dns_fake.h"
#include "support/nginx_fixture.h"
#include "support/pebble_fixture.h"
#include "support/powerdns_fixture.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A certbot cli.ini as certbot's documentation suggests one, with the
// registration settings certbot needs to run unattended and two settings
// certbot users keep there (each once stopped every certpilot command).
constexpr char kCertbotCliIni[] =
    "# Because we are using logrotate for greater flexibility, disable the\n"
    "# internal certbot logrotation.\n"
    "max-log-backups = 0\n"
    "agree-tos = True\n"
    "email = admin@example.com\n"
    "keep-until-expiring = True\n"
    "no-eff-email\n"
    "config-dir = /etc/letsencrypt\n";

class ImportCertbotTest : public ::testing::Test {
 protected:
  explicit ImportCertbotTest(PebbleOptions options = {}) : pebble_(options) {
    fs::create_directories(certbot_dir());
    std::ofstream(certbot_dir() + "/cli.ini") << kCertbotCliIni;
  }

  // certbot SUBCOMMAND ... against Pebble, in its own tree under dir_, with
  // the tree's cli.ini.
  RunResult Certbot(const std::string& subcommand,
                    const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"/usr/bin/certbot",
                                  subcommand,
                                  "--non-interactive",
                                  "-c",
                                  certbot_dir() + "/cli.ini",
                                  "--config-dir",
                                  certbot_dir(),
                                  "--work-dir",
                                  dir_ / "certbot-work",
                                  "--logs-dir",
                                  dir_ / "certbot-logs",
                                  "--server",
                                  pebble_.directory_url()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, {{"REQUESTS_CA_BUNDLE", pebble_.ca_bundle_path()}});
  }
  std::vector<std::string> Standalone(const std::string& name) const {
    return {"--standalone",
            "--http-01-address",
            "127.0.0.1",
            "--http-01-port",
            std::to_string(pebble_.http_port()),
            "-d",
            name};
  }
  std::string certbot_dir() const { return dir_ / "letsencrypt"; }
  std::string CertbotConf(const std::string& name) const {
    return ReadFileOrEmpty(certbot_dir() + "/renewal/" + name + ".conf");
  }
  std::string Conf(const std::string& name) const {
    return ReadFileOrEmpty(cli_.config() + "/renewal/" + name + ".conf");
  }

  // Imports the tree; the lineage `name` arrives whole at certbot's version.
  RunResult ImportAndCheck(const std::string& name) {
    const int certbot_version = CertbotVersion(name);
    RunResult r = cli_.Run("import-certbot", {"--from", certbot_dir()});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_THAT(r.out, HasSubstr("imported " + name));
    EXPECT_EQ(cli_.CheckLineage(name), "");
    EXPECT_EQ(cli_.Version(name), certbot_version);
    return r;
  }
  // certpilot renews `name` with the imported settings: one version more.
  void ExpectRenews(const std::string& name) {
    const int before = cli_.Version(name);
    RunResult r = cli_.Run(
        "renew",
        {"--force-renewal", "--no-random-sleep-on-renew", "--cert-name", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(cli_.Version(name), before + 1);
    EXPECT_EQ(cli_.CheckLineage(name), "");
  }
  // The same until `challenged()` says a renewal answered a challenge. The
  // imported account is certbot's, which holds a valid authorization for
  // the name, and Pebble hands that out instead of a new one 1% of the
  // time even with PEBBLE_AUTHZREUSE=0 (it creates a new one when
  // rand.Intn(100) > the percentage): then no challenge is needed. Five
  // tries leave a 1e-10 chance of none.
  void ExpectRenewsWithAChallenge(const std::string& name,
                                  const std::function<bool()>& challenged) {
    for (int tries = 0; tries < 5 && !HasFailure(); ++tries) {
      ExpectRenews(name);
      if (challenged()) return;
    }
  }
  int CertbotVersion(const std::string& name) const {
    const std::string target =
        fs::read_symlink(certbot_dir() + "/live/" + name + "/cert.pem");
    const std::string file = fs::path(target).filename();
    return std::stoi(file.substr(4, file.size() - 8));
  }

  PebbleFixture pebble_;
  CliHarness cli_{pebble_};
  TempDir dir_;
};

TEST_F(ImportCertbotTest, StandaloneTreeWithCliIniAndHooks) {
  std::vector<std::string> first = Standalone("cb.example.com");
  for (const char* a : {"--key-type", "rsa"}) first.push_back(a);
  RunResult r = Certbot("certonly", first);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::vector<std::string> second = Standalone("cb.example.com");
  second.push_back("--force-renewal");
  r = Certbot("certonly", second);  // version 2
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string marker = dir_ / "deployed";
  fs::create_directories(certbot_dir() + "/renewal-hooks/deploy");
  fs::create_directories(certbot_dir() + "/renewal-hooks/post");
  const std::string hook = certbot_dir() + "/renewal-hooks/deploy/touch.sh";
  std::ofstream(hook) << "#!/bin/sh\ntouch '" << marker << "'\n";
  ::chmod(hook.c_str(), 0755);
  // A hook that is a link (relative, as `ln -s ../deploy/touch.sh` makes).
  const std::string post_marker = dir_ / "post-ran";
  const std::string post_target = dir_ / "post-hook.sh";
  std::ofstream(post_target) << "#!/bin/sh\ntouch '" << post_marker << "'\n";
  ::chmod(post_target.c_str(), 0755);
  fs::create_symlink("../../../post-hook.sh",
                     certbot_dir() + "/renewal-hooks/post/link.sh");
  const std::string certbot_cert =
      ReadFileOrEmpty(certbot_dir() + "/live/cb.example.com/cert.pem");
  ASSERT_FALSE(certbot_cert.empty());

  r = ImportAndCheck("cb.example.com");
  EXPECT_THAT(r.out, HasSubstr("imported cb.example.com (2 versions)"));
  EXPECT_THAT(r.out,
              HasSubstr("Imported 1 certificate, 1 account and 2 hooks"));
  EXPECT_EQ(ReadFileOrEmpty(cli_.config() + "/live/cb.example.com/cert.pem"),
            certbot_cert);
  struct stat st;
  ASSERT_EQ(
      ::stat((cli_.config() + "/live/cb.example.com/privkey.pem").c_str(), &st),
      0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  const std::string conf = Conf("cb.example.com");
  EXPECT_THAT(conf, HasSubstr("archive_dir = " + cli_.config() +
                              "/archive/cb.example.com"));
  EXPECT_THAT(conf, HasSubstr("key_type = rsa"));
  EXPECT_THAT(conf, Not(HasSubstr(certbot_dir() + "/live")));
  // cli.ini came over, certbot's directory left out (certpilot refuses a
  // config-dir there).
  const std::string ini = ReadFileOrEmpty(cli_.config() + "/cli.ini");
  EXPECT_THAT(ini, HasSubstr("\nmax-log-backups = 0\nagree-tos = True\n"
                             "email = admin@example.com\n"
                             "keep-until-expiring = True\nno-eff-email\n"));
  EXPECT_THAT(ini, HasSubstr("left out (certbot's directory; certpilot keeps "
                             "its own): config-dir = /etc/letsencrypt\n"));
  EXPECT_THAT(r.err, HasSubstr("cli.ini: config-dir: left out"));
  EXPECT_TRUE(fs::is_symlink(cli_.config() + "/renewal-hooks/post/link.sh"));

  // The account came over: show_account works without registering.
  r = cli_.Run("show_account", {});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // certpilot renews it with certbot's settings (and certbot's cli.ini in
  // place) and runs certbot's hooks.
  ExpectRenews("cb.example.com");
  EXPECT_TRUE(fs::exists(marker));
  EXPECT_TRUE(fs::exists(post_marker));

  // certbot's own tree is as it was.
  EXPECT_EQ(ReadFileOrEmpty(certbot_dir() + "/live/cb.example.com/cert.pem"),
            certbot_cert);
  EXPECT_FALSE(fs::exists(certbot_dir() + "/archive/cb.example.com/cert3.pem"));

  // Importing again takes nothing twice, cli.ini included.
  r = cli_.Run("import-certbot", {"--from", certbot_dir()});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out,
              HasSubstr("Imported 0 certificates, 0 accounts and 0 hooks"));
  EXPECT_THAT(r.err, HasSubstr("exists here already; skipped"));
  EXPECT_EQ(ReadFileOrEmpty(cli_.config() + "/cli.ini"), ini);
}

TEST_F(ImportCertbotTest, ExistingCliIniKeepsItsSettings) {
  RunResult r = Certbot("certonly", Standalone("ini.example.com"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  fs::create_directories(cli_.config());
  std::ofstream(cli_.config() + "/cli.ini") << "email = ours@example.com\n";
  ImportAndCheck("ini.example.com");
  const std::string ini = ReadFileOrEmpty(cli_.config() + "/cli.ini");
  EXPECT_THAT(ini, ::testing::StartsWith("email = ours@example.com\n\n"));
  EXPECT_THAT(ini, HasSubstr("\nmax-log-backups = 0\nagree-tos = True\n"));
  EXPECT_THAT(ini, HasSubstr("left out (set already by certpilot's cli.ini): "
                             "email = admin@example.com\n"
                             "keep-until-expiring = True\nno-eff-email\n"));
  ExpectRenews("ini.example.com");
}

TEST_F(ImportCertbotTest, WebrootLineage) {
  const std::string webroot = dir_ / "www";
  fs::create_directories(webroot);
  StaticHttpServer server(webroot, pebble_.http_port());
  RunResult r = Certbot("certonly",
                        {"--webroot", "-w", webroot, "-d", "web.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ImportAndCheck("web.example.com");
  EXPECT_THAT(Conf("web.example.com"),
              HasSubstr("web.example.com = " + webroot));
  ExpectRenews("web.example.com");
}

// certbot's `run --nginx`: authenticated through nginx and installed into
// it; certpilot's renewal reloads nginx, which then serves the new
// certificate.
TEST_F(ImportCertbotTest, NginxLineage) {
  NginxFixture nginx(pebble_.http_port());
  nginx.WriteFile(
      "sites-enabled/site.conf",
      "server {\n    listen 127.0.0.1:" + std::to_string(pebble_.http_port()) +
          ";\n    server_name nginx.example.com;\n"
          "    location / { return 200 \"app\\n\"; }\n}\n");
  nginx.Start();
  RunResult r = Certbot(
      "run", {"--nginx", "--nginx-server-root", nginx.server_root(),
              "--nginx-ctl", nginx.binary(), "--http-01-port",
              std::to_string(pebble_.http_port()), "--https-port",
              std::to_string(nginx.https_port()), "-d", "nginx.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx.ErrorLogTail();
  r = ImportAndCheck("nginx.example.com");
  const std::string conf = Conf("nginx.example.com");
  EXPECT_THAT(conf, HasSubstr("authenticator = nginx"));
  EXPECT_THAT(conf, HasSubstr("installer = nginx"));
  // certbot's nginx configuration names certbot's live/ files; the import
  // says how to point it at certpilot's.
  EXPECT_THAT(r.err,
              HasSubstr("certpilot install --config-dir " + cli_.config() +
                        " --cert-name nginx.example.com --nginx "
                        "--nginx-server-root " +
                        nginx.server_root()))
      << conf;
  r = cli_.Run("install", {"--nginx", "--cert-name", "nginx.example.com",
                           "--nginx-server-root", nginx.server_root(),
                           "--nginx-ctl", nginx.binary(), "--http-01-port",
                           std::to_string(pebble_.http_port()), "--https-port",
                           std::to_string(nginx.https_port())});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << nginx.ErrorLogTail();
  for (const auto& [rel, text] : nginx.Snapshot())
    EXPECT_EQ(text.find(certbot_dir() + "/live/"), std::string::npos) << rel;
  ExpectRenews("nginx.example.com");
  const std::string serial = CertSerialHex(
      ReadFileOrEmpty(cli_.config() + "/live/nginx.example.com/cert.pem"));
  std::string served;
  WaitFor([&] {
    served = TlsGet(nginx.https_port(), "nginx.example.com").serial_hex;
    return served == serial;
  });
  EXPECT_EQ(served, serial) << nginx.ErrorLogTail();
  // certpilot took its challenge configuration out again.
  for (const auto& [rel, text] : nginx.Snapshot())
    EXPECT_EQ(text.find("acme-challenge"), std::string::npos) << rel;
}

TEST_F(ImportCertbotTest, ManualLineageWithAuthHooks) {
  const std::string mgmt = pebble_.challtestsrv_management_url();
  const std::string log = dir_ / "hooks.log";
  const std::string auth = Script(
      dir_, "auth.sh",
      "curl --noproxy '*' -sSf -X POST -d "
      "\"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\","
      "\\\"value\\\":\\\"$CERTBOT_VALIDATION\\\"}\" '" +
          mgmt + "/set-txt'\necho \"auth $CERTBOT_DOMAIN\" >> '" + log + "'\n");
  const std::string cleanup =
      Script(dir_, "cleanup.sh",
             "curl --noproxy '*' -sSf -X POST -d "
             "\"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\"}\" '" +
                 mgmt + "/clear-txt'\necho \"cleanup $CERTBOT_DOMAIN\" >> '" +
                 log + "'\n");
  RunResult r =
      Certbot("certonly", {"--manual", "--preferred-challenges", "dns",
                           "--manual-auth-hook", auth, "--manual-cleanup-hook",
                           cleanup, "-d", "manual.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ImportAndCheck("manual.example.com");
  fs::remove(log);
  ExpectRenewsWithAChallenge("manual.example.com",
                             [&] { return fs::exists(log); });
  // certbot's hooks ran for certpilot.
  EXPECT_EQ(ReadFileOrEmpty(log),
            "auth manual.example.com\ncleanup manual.example.com\n");
}

// Knot first: Pebble resolves through it.
struct KnotServer {
  DnsServerFixture dns_;
};

PebbleOptions ResolvingThrough(const DnsServerFixture& dns) {
  PebbleOptions o;
  o.dns_server = dns.address();
  return o;
}

class ImportCertbotRfc2136Test : public KnotServer, public ImportCertbotTest {
 protected:
  ImportCertbotRfc2136Test() : ImportCertbotTest(ResolvingThrough(dns_)) {}
};

TEST_F(ImportCertbotRfc2136Test, Rfc2136LineageAndItsCredentials) {
  const std::string credentials = dir_ / "rfc2136.ini";
  std::ofstream(credentials) << dns_.CredentialsIni();
  ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
  RunResult r =
      Certbot("certonly", {"--dns-rfc2136", "--dns-rfc2136-credentials",
                           credentials, "--dns-rfc2136-propagation-seconds",
                           "1", "-d", "rfc.dyn.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(CertbotConf("rfc.dyn.example.com"),
              HasSubstr("dns_rfc2136_propagation_seconds = 1"));

  // certbot only warns about a credentials file others may read; certpilot
  // refuses it, so the import says so first.
  ASSERT_EQ(::chmod(credentials.c_str(), 0644), 0);
  r = ImportAndCheck("rfc.dyn.example.com");
  EXPECT_THAT(r.err, HasSubstr("rfc.dyn.example.com will not renew as it is"));
  EXPECT_THAT(r.err, HasSubstr("chmod 600"));
  const std::string conf = Conf("rfc.dyn.example.com");
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-rfc2136"));
  EXPECT_THAT(conf, HasSubstr("dns_rfc2136_credentials = " + credentials));
  EXPECT_THAT(conf, HasSubstr("dns_propagation_seconds = 1"));

  ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
  ExpectRenews("rfc.dyn.example.com");
  EXPECT_TRUE(dns_.ReadTxt("_acme-challenge.rfc.dyn.example.com").empty());
}

// PowerDNS first: Pebble resolves through it.
struct PowerDnsServer {
  PowerDnsFixture pdns_{{"pdns.example.com"}};
};

class ImportCertbotPowerDnsTest : public PowerDnsServer,
                                  public ImportCertbotTest {
 protected:
  ImportCertbotPowerDnsTest()
      : ImportCertbotTest([this] {
          PebbleOptions o;
          o.dns_server = pdns_.dns_address();
          return o;
        }()) {}
};

// Debian has no certbot-dns-powerdns, so certbot makes the lineage with
// --standalone and its renewal conf is then given what that plugin writes:
// the authenticator and the credentials under certbot < 1.7's prefixed
// spelling, the wait under today's.
TEST_F(ImportCertbotPowerDnsTest, PowerDnsLineageImportsAndRenews) {
  pdns_.AddRecord("pdns.example.com", "old", "A", "127.0.0.1");
  const std::string name = "old.pdns.example.com";
  RunResult r = Certbot("certonly", Standalone(name));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string credentials = dir_ / "pdns.ini";
  std::ofstream(credentials) << pdns_.CredentialsIni();
  ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
  const std::string certbot_conf = certbot_dir() + "/renewal/" + name + ".conf";
  std::string text = ReadFileOrEmpty(certbot_conf);
  const size_t at = text.find("authenticator = standalone");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, std::string("authenticator = standalone").size(),
               "authenticator = certbot-dns-powerdns:dns-powerdns\n"
               "certbot_dns_powerdns:dns_powerdns_credentials = " +
                   credentials + "\ndns_powerdns_propagation_seconds = 1");
  std::ofstream(certbot_conf, std::ios::trunc) << text;

  ImportAndCheck(name);
  const std::string conf = Conf(name);
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-powerdns"));
  EXPECT_THAT(conf, HasSubstr("\ndns_powerdns_credentials = " + credentials));
  EXPECT_THAT(conf, HasSubstr("dns_propagation_seconds = 1"));
  ExpectRenews(name);
  EXPECT_TRUE(
      pdns_.ReadTxt("pdns.example.com", "_acme-challenge." + name).empty());
}

TEST_F(ImportCertbotTest, PluginsCertpilotLacksAreReportedAndFixable) {
  RunResult r = cli_.Run("import-certbot", {"--from", dir_ / "nothing"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("is not a certbot configuration directory"));

  for (const char* name : {"haproxy.example.com", "cf.example.com"}) {
    r = Certbot("certonly", Standalone(name));
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  // As if certbot-haproxy and certbot-dns-gehirn plugins had made them.
  auto replug = [&](const std::string& name, const std::string& extra) {
    const std::string conf = certbot_dir() + "/renewal/" + name + ".conf";
    std::string text = ReadFileOrEmpty(conf);
    const std::string from = "authenticator = standalone";
    text.replace(text.find(from), from.size(), extra);
    std::ofstream(conf, std::ios::trunc) << text;
  };
  replug("haproxy.example.com", "authenticator = haproxy\ninstaller = haproxy");
  replug("cf.example.com",
         "authenticator = dns-gehirn\n"
         "dns_gehirn_credentials = /root/gehirn.ini\n"
         "must_staple = True");

  // A Let's Encrypt lineage with Must-Staple, imported alone into another
  // config dir (and never renewed: that would leave the machine).
  r = Certbot("certonly", Standalone("le.example.com"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string le_conf = certbot_dir() + "/renewal/le.example.com.conf";
  std::string text = ReadFileOrEmpty(le_conf);
  text.replace(text.find("server = "), 9,
               "must_staple = True\nserver = "
               "https://acme-v02.api.letsencrypt.org/directory\nold_server = ");
  std::ofstream(le_conf, std::ios::trunc) << text;
  CliHarness elsewhere(pebble_);
  r = elsewhere.Run("import-certbot",
                    {"--from", certbot_dir(), "--cert-name", "le.example.com"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("le.example.com: must_staple dropped: Let's "
                               "Encrypt has rejected Must-Staple"));
  EXPECT_THAT(
      ReadFileOrEmpty(elsewhere.config() + "/renewal/le.example.com.conf"),
      Not(HasSubstr("must_staple")));
  for (const char* dir : {"/live/", "/archive/"})
    fs::remove_all(certbot_dir() + dir + "le.example.com");
  fs::remove(le_conf);
  // A damaged third lineage: reported, the others still imported.
  fs::create_directories(certbot_dir() + "/live/broken.example.com");
  std::ofstream(certbot_dir() + "/renewal/broken.example.com.conf")
      << "[renewalparams]\n";

  r = cli_.Run("import-certbot", {"--from", certbot_dir()});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  const std::string fix_haproxy = "certpilot reconfigure --config-dir " +
                                  cli_.config() +
                                  " --cert-name haproxy.example.com --webroot";
  const std::string fix_cf =
      "certpilot reconfigure --config-dir " + cli_.config() +
      " --cert-name cf.example.com --manual --preferred-challenges dns";
  EXPECT_THAT(r.err,
              HasSubstr("authenticator \"haproxy\" is not in certpilot"));
  EXPECT_THAT(r.err, HasSubstr(fix_haproxy));
  EXPECT_THAT(r.err, HasSubstr(fix_cf));
  EXPECT_THAT(r.err, HasSubstr("installer \"haproxy\""));
  EXPECT_THAT(r.err, HasSubstr("2 certificates will be imported but will not "
                               "renew until changed"));
  EXPECT_THAT(r.err, HasSubstr("broken.example.com not imported"));
  EXPECT_EQ(cli_.CheckLineage("haproxy.example.com"), "");
  EXPECT_EQ(cli_.CheckLineage("cf.example.com"), "");
  EXPECT_FALSE(fs::exists(cli_.config() + "/renewal/broken.example.com.conf"));
  // Pebble is no Let's Encrypt server: the lineage keeps Must-Staple.
  EXPECT_THAT(Conf("cf.example.com"), HasSubstr("must_staple = True"));

  // renew fails both loudly, every run, with the command that fixes each.
  r = cli_.Run("renew", {"--no-random-sleep-on-renew"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(fix_haproxy));
  EXPECT_THAT(r.err, HasSubstr(fix_cf));

  // The command, with the placeholder filled in, fixes it.
  const std::string webroot = dir_ / "www";
  fs::create_directories(webroot);
  StaticHttpServer server(webroot, pebble_.http_port());
  std::vector<std::string> fix = {"--cert-name", "haproxy.example.com",
                                  "--webroot", "-w", webroot};
  r = cli_.Run("reconfigure", fix);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ExpectRenews("haproxy.example.com");
}

// A certbot-dns-google lineage, against the Google Cloud DNS contract fake
// (tests/support/google_dns_fake.h) whose zone Pebble's mock DNS serves.
// Debian has no certbot-dns-google, so certbot makes the lineage with
// --standalone and its renewal conf is then given what that plugin writes.
class ImportCertbotGoogleTest : public ImportCertbotTest {
 protected:
  ImportCertbotGoogleTest() {
    google_.zones().ServeTo(pebble_);
    // --ca-bundle takes one file: the harness's (Pebble's) trusts the fake
    // too. certbot, which reads it as well, is not bothered by one more CA.
    std::ofstream(pebble_.ca_bundle_path(), std::ios::app)
        << ReadFileOrEmpty(google_.ca_bundle());
  }
  GoogleDnsFake google_{GoogleDnsFakeOptions{{"gcp.example.com"}}};
};

TEST_F(ImportCertbotGoogleTest, GoogleLineageImportsAndRenewsThroughTheApi) {
  const std::string name = "www.gcp.example.com";
  RunResult r = Certbot("certonly", Standalone(name));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string key_file = dir_ / "google.json";
  std::ofstream(key_file) << google_.CredentialsIni();
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  const std::string certbot_conf = certbot_dir() + "/renewal/" + name + ".conf";
  std::string text = ReadFileOrEmpty(certbot_conf);
  const size_t at = text.find("authenticator = standalone");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, std::string("authenticator = standalone").size(),
               "authenticator = dns-google\ndns_google_credentials = " +
                   key_file + "\ndns_google_propagation_seconds = 1");
  std::ofstream(certbot_conf, std::ios::trunc) << text;

  ImportAndCheck(name);
  const std::string conf = Conf(name);
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-google"));
  EXPECT_THAT(conf, HasSubstr("dns_google_credentials = " + key_file));
  EXPECT_THAT(conf, HasSubstr("dns_propagation_seconds = 1"));
  ExpectRenewsWithAChallenge(name, [&] { return google_.grants() > 0; });
  EXPECT_GE(google_.grants(), 1);
  EXPECT_THAT(google_.zones().Records(), ::testing::IsEmpty());
  EXPECT_THAT(google_.zones().violations(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace certpilot::testing
