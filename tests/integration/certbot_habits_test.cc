// What scripts written for certbot do on the command line, with the real
// binary: no subcommand means `run`; a repeated option takes its last value;
// --user-agent / --user-agent-comment reach the CA; --issuance-timeout and
// --account are checked; `plugins` lists what certpilot has.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "support/cli_harness.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "support/tls_stub_ca.h"

namespace certpilot::testing {
namespace {

std::vector<std::string> Dirs(const TempDir& tmp) {
  return {"--config-dir", tmp / "config", "--work-dir", tmp / "work",
          "--logs-dir",   tmp / "logs",   "-n"};
}

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `certpilot -d NAME --nginx` is `certpilot run -d NAME --nginx`: run's own
// check answers (here: run needs --nginx), not "a subcommand is required".
// (nginx_run_test.cc issues through nginx this way.)
TEST(NoSubcommandTest, OptionsWithoutASubcommandAreRun) {
  TempDir tmp;
  RunResult r = RunCertpilot(Concat(Dirs(tmp), {"-d", "example.com"}));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("run needs an installer: pass --nginx"),
            std::string::npos)
      << r.err;
  // run's options are run's: --redirect is one, --webroot is not.
  r = RunCertpilot(Concat(Dirs(tmp), {"-d", "example.com", "--webroot"}));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--webroot"), std::string::npos) << r.err;

  // Unchanged: nothing at all, a word that is no subcommand, --help,
  // --version.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"renw"}, {"example.com", "-d", "x"}}) {
    r = RunCertpilot(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.err.find("A subcommand is required"), std::string::npos)
        << r.err;
  }
  r = RunCertpilot({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("plugins"), std::string::npos) << r.out;
  r = RunCertpilot({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out.rfind("certpilot ", 0), 0u) << r.out;
}

// argparse's rule, which certbot scripts rely on: the last value wins.
TEST(RepeatedOptionTest, TheLastValueWins) {
  TempDir tmp;
  const std::string good = "https://127.0.0.1:1/directory";
  RunResult r = RunCertpilot(Concat(
      {"certificates"}, Concat(Dirs(tmp), {"--server", "http://plain.example",
                                           "--server", good})));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = RunCertpilot(
      Concat({"certificates"}, Concat(Dirs(tmp), {"--server", good, "--server",
                                                  "http://plain.example"})));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("http://plain.example"), std::string::npos) << r.err;

  // -m: the address checked (before anything is sent) is the last one.
  r = RunCertpilot(
      Concat({"register"},
             Concat(Dirs(tmp), {"--server", good, "--agree-tos", "-m",
                                "a@example.com", "-m", "not an address"})));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("invalid email address \"not an address\""),
            std::string::npos)
      << r.err;
}

class CertbotOptionsTest : public ::testing::Test {
 protected:
  CertbotOptionsTest() {
    stub_.wire = [this](const http::Request& req) -> std::optional<WireReply> {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, value] : req.headers)
        if (name == "User-Agent" || name == "user-agent") agents_.insert(value);
      return std::nullopt;
    };
  }
  std::set<std::string> Agents() {
    std::lock_guard<std::mutex> lock(mu_);
    return agents_;
  }
  void ForgetAgents() {
    std::lock_guard<std::mutex> lock(mu_);
    agents_.clear();
  }

  TlsStubCa stub_;
  CliHarness cli_{stub_.directory_url(), stub_.ca_bundle(), 0};
  std::mutex mu_;
  std::set<std::string> agents_;
};

TEST_F(CertbotOptionsTest, UserAgentIsSentOnEveryRequest) {
  RunResult r = cli_.Run("register", {"-m", "a@example.com", "--agree-tos",
                                      "--user-agent", "Scripted/3.1 (ops)"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Agents(), std::set<std::string>{"Scripted/3.1 (ops)"});

  ForgetAgents();
  r = cli_.Run("show_account", {"--user-agent-comment", "Wrapper/1.0"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Agents(), std::set<std::string>{"certpilot/" CERTPILOT_VERSION
                                            " (Wrapper/1.0)"});

  ForgetAgents();
  r = cli_.Run("show_account", {});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Agents(), std::set<std::string>{"certpilot/" CERTPILOT_VERSION});

  // A comment may not close certbot's parentheses.
  r = cli_.Run("show_account", {"--user-agent-comment", "a) (b"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(CertbotOptionsTest, AccountAndIssuanceTimeoutAreChecked) {
  RunResult r = cli_.Run("register", {"-m", "a@example.com", "--agree-tos"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = cli_.Run("show_account", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string id = nlohmann::json::parse(r.out)["id"];

  r = cli_.Run("show_account", {"--account", id});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  r = cli_.Run("show_account", {"--account", "feedface"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--account feedface: no such account is stored for " +
                       stub_.directory_url() + " (stored: " + id + ")"),
            std::string::npos)
      << r.err;

  for (const char* bad : {"0", "-5", "soon"}) {
    r = cli_.Run("certonly", {"-d", "a.test", "--issuance-timeout", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.Describe();
    EXPECT_NE(r.err.find("--issuance-timeout"), std::string::npos) << r.err;
  }
  // --eff-email / --no-eff-email: accepted, nothing more.
  r = cli_.Run("show_account", {"--no-eff-email"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST(PluginsTest, ListsAuthenticatorsAndInstallers) {
  TempDir tmp;
  RunResult r = RunCertpilot(Concat({"plugins"}, Dirs(tmp)));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* name : {"* standalone: authenticator (http-01, tls-alpn-01)",
                           "* webroot: authenticator (http-01)",
                           "* nginx: authenticator (http-01), installer",
                           "* apache: authenticator (http-01), installer",
                           "* manual: authenticator (http-01, dns-01)",
                           "* dns-rfc2136: authenticator (dns-01)",
                           "* dns-powerdns: authenticator (dns-01)",
                           "dns_powerdns_api_url, dns_powerdns_api_key"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  r = RunCertpilot(Concat({"plugins", "--json", "--installers"}, Dirs(tmp)));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u) << r.out;
  EXPECT_EQ(j[0]["name"], "nginx");
  EXPECT_EQ(j[1]["name"], "apache");
}

}  // namespace
}  // namespace certpilot::testing
