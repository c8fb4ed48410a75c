// A certbot cli.ini works with certpilot: every long option the installed
// certbot lists in `certbot --help all` (read at test time, so a newer
// certbot is checked too) is accepted in a cli.ini by `certificates` and
// `renew` (the timer's command); those certpilot ignores are named in one
// warning per run, with their lines; a key neither knows is still an error
// naming FILE:LINE.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

struct CertbotOption {
  std::string name;  // without "--"
  bool takes_value = false;
};

// The long options of `certbot --help all`: the lines that define options
// ("  -m EMAIL, --email EMAIL   text", "  --keep-until-expiring, --keep,
// --reinstall"), not those of the help text around them.
std::vector<CertbotOption> CertbotLongOptions(const TempDir& tmp) {
  RunResult help = RunProgram({"/usr/bin/certbot", "--help", "all",
                               "--config-dir", tmp / "cb-config", "--work-dir",
                               tmp / "cb-work", "--logs-dir", tmp / "cb-logs"});
  EXPECT_EQ(help.exit_code, 0) << help.Describe();
  std::map<std::string, bool> found;
  std::istringstream lines(help.out);
  const std::regex definition("^ {1,4}(-[^ ].*)$");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, definition)) continue;
    std::string spec = m[1];
    spec = spec.substr(0, spec.find("  "));  // the description follows
    std::istringstream parts(spec);
    for (std::string part; std::getline(parts, part, ',');) {
      while (!part.empty() && part.front() == ' ') part.erase(0, 1);
      if (part.rfind("--", 0) != 0) continue;
      const size_t blank = part.find(' ');
      found[part.substr(2, blank - 2)] = blank != std::string::npos;
    }
  }
  std::vector<CertbotOption> out;
  for (const auto& [name, takes_value] : found)
    out.push_back({name, takes_value});
  return out;
}

// A value each option accepts; "1" for the rest.
std::string ValueFor(const std::string& name) {
  static const std::map<std::string, std::string> values = {
      {"email", "admin@example.com"},
      {"key-type", "ecdsa"},
      {"elliptic-curve", "secp256r1"},
      {"rsa-key-size", "2048"},
      {"preferred-challenges", "http-01"},
      {"authenticator", "standalone"},
      {"installer", "nginx"},
      {"reason", "unspecified"},
      {"eab-hmac-alg", "HS256"},
      {"user-agent", "Test/1.0"},
      {"user-agent-comment", "Wrapper/1.0"},
      {"issuance-timeout", "90"},
      {"http-01-port", "80"},
      {"https-port", "443"},
      {"webroot-map", "{\"a.example\": \"/var/www\"}"},
      {"domains", "a.example"},
      {"domain", "a.example"},
      {"cert-name", "a.example"},
      {"preferred-profile", "classic"},
      {"required-profile", "classic"},
  };
  auto it = values.find(name);
  return it == values.end() ? "1" : it->second;
}

class CertbotCliIniTest : public ::testing::Test {
 protected:
  CertbotCliIniTest() { fs::create_directories(config()); }
  std::string config() const { return tmp_ / "config"; }
  // certpilot SUBCOMMAND with its own dirs and a server that would fail (no
  // lineage, so nothing is asked of it) and `extra`.
  RunResult Run(const std::string& subcommand,
                const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{
        subcommand,    "--config-dir", config(),
        "--work-dir",  tmp_ / "work",  "--logs-dir",
        tmp_ / "logs", "--server",     "https://127.0.0.1:1/directory"};
    if (subcommand == "renew") args.push_back("--no-random-sleep-on-renew");
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCertpilot(args);
  }

  TempDir tmp_;
};

TEST_F(CertbotCliIniTest, EveryOptionOfTheInstalledCertbotIsAccepted) {
  std::vector<CertbotOption> options = CertbotLongOptions(tmp_);
  // certbot 2.1 lists about 115; far fewer means the help was misread.
  ASSERT_GT(options.size(), 100u);
  const std::string ini = tmp_ / "option.ini";
  for (const CertbotOption& o : options) {
    // Not settings but actions on the command line; certpilot refuses them
    // in a file (config_args_test.cc).
    if (o.name == "config" || o.name == "help" || o.name == "version") continue;
    std::ofstream(ini, std::ios::trunc)
        << "# certbot --" << o.name << "\n"
        << o.name << " = " << (o.takes_value ? ValueFor(o.name) : "True")
        << "\n";
    for (const std::string subcommand : {"certificates", "renew"}) {
      RunResult r = Run(subcommand, {"--config", ini});
      const std::string what =
          subcommand + " with " + o.name + " in a cli.ini: " + r.Describe();
      // The file is never what a run fails on.
      EXPECT_EQ(r.err.find("error: " + ini), std::string::npos) << what;
      if (subcommand == "renew" && o.name == "cert-name") {
        // Taken: renew looks for that lineage, and there is none.
        EXPECT_EQ(r.exit_code, 2) << what;
        EXPECT_NE(r.err.find("no certificate named \"a.example\""),
                  std::string::npos)
            << what;
      } else {
        EXPECT_EQ(r.exit_code, 0) << what;
      }
    }
  }
}

TEST_F(CertbotCliIniTest, IgnoredSettingsAreOneWarningAndUnknownKeysErrors) {
  std::ofstream(config() + "/cli.ini")
      << "# from certbot's documentation\n"
      << "keep-until-expiring = True\n"
      << "no-eff-email\n"
      << "dns-rfc2136-propagation-seconds = 30\n"
      << "nginx-sleep-seconds = 2\n"
      << "no-verify-ssl = False\n"
      << "email = admin@example.com\n"
      << "nginx-sleep-seconds = 3\n";
  for (const char* subcommand : {"certificates", "renew"}) {
    RunResult r = Run(subcommand);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    // One line, naming what certpilot ignores with its (last) line, and
    // nothing certpilot takes (no-eff-email, keep-until-expiring, the
    // rfc2136 wait).
    EXPECT_EQ(r.err, "warning: " + config() +
                         "/cli.ini: certbot settings certpilot ignores: "
                         "no-verify-ssl (line 6), nginx-sleep-seconds "
                         "(line 8)\n")
        << subcommand;
  }
  // -q: errors only.
  RunResult quiet = Run("renew", {"-q"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.Describe();
  EXPECT_EQ(quiet.err, "");

  std::ofstream(config() + "/cli.ini", std::ios::app) << "no-such-thing\n";
  RunResult r = Run("renew");
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find(config() + "/cli.ini:9: \"no-such-thing\" is not an "
                                  "option of certpilot or certbot"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace certpilot::testing
