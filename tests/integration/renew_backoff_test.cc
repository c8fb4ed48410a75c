// Backoff and the metrics file end to end: the built binary against the real
// Pebble CA; the metrics file and the documented alerting rules are checked
// with Prometheus's promtool (Debian package prometheus, installed by
// scripts/deps; the tests fail without it). Pebble issues one-hour
// certificates (made due at once with
// renew_before_expiry = 2 hours, as in renew_test.cc). A lineage's CA is
// made unreachable by pointing its renewal conf at a loopback port where
// nothing listens (with a copy of its account under that server), which
// fails every time, unlike a failed validation (Pebble may reuse a valid
// authorization). Time is moved by editing the lineage's renewal history
// (WORK/renewal-history/NAME.json), the binary having no fake clock.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "support/cli_harness.h"
#include "support/free_port.h"
#include "support/run_binary.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kName[] = "backoff.example.com";

class RenewBackoffTest : public SharedPebbleTest<3600> {
 protected:
  void Issue(const std::string& name) {
    RunResult r = cli_.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EditConf(name, "version = ", "renew_before_expiry = 2 hours\nversion = ");
  }
  std::string ConfPath(const std::string& name) {
    return cli_.config() + "/renewal/" + name + ".conf";
  }
  void EditConf(const std::string& name, const std::string& from,
                const std::string& to) {
    std::string conf = ReadFileOrEmpty(ConfPath(name));
    size_t at = conf.find(from);
    ASSERT_NE(at, std::string::npos) << conf;
    conf.replace(at, from.size(), to);
    std::ofstream(ConfPath(name), std::ios::trunc) << conf;
  }
  // The lineage renews against a server nobody answers at, with its account.
  void MakeCaUnreachable(const std::string& name) {
    const std::string host = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    fs::copy(cli_.config() + "/accounts/" + PebbleHost(),
             cli_.config() + "/accounts/" + host, fs::copy_options::recursive);
    EditConf(name, "server = " + pebble_->directory_url(),
             "server = https://" + host + "/dir");
    dead_server_ = "https://" + host + "/dir";
  }
  void MakeCaReachable(const std::string& name) {
    EditConf(name, "server = " + dead_server_,
             "server = " + pebble_->directory_url());
  }
  static std::string PebbleHost() {
    std::string url = pebble_->directory_url();  // https://127.0.0.1:P/dir
    url = url.substr(std::string("https://").size());
    return url.substr(0, url.find('/'));
  }
  std::string HistoryPath(const std::string& name) {
    return cli_.dir() / ("work/renewal-history/" + name + ".json");
  }
  nlohmann::json History(const std::string& name) {
    return nlohmann::json::parse(ReadFileOrEmpty(HistoryPath(name)));
  }
  // As if the backoff had passed: the next attempt is a second ago.
  void AllowRetryNow(const std::string& name) {
    nlohmann::json h = History(name);
    h["next_attempt"] = static_cast<long long>(std::time(nullptr)) - 1;
    std::ofstream(HistoryPath(name), std::ios::trunc) << h.dump();
  }
  RunResult Renew(std::vector<std::string> extra) {
    extra.push_back("--no-random-sleep-on-renew");
    return cli_.Run("renew", extra);
  }
  nlohmann::json RenewJson(std::vector<std::string> extra, int expected_rc) {
    extra.push_back("--json");
    RunResult r = Renew(extra);
    EXPECT_EQ(r.exit_code, expected_rc) << r.Describe();
    last_err_ = r.err;
    return nlohmann::json::parse(r.out);
  }
  nlohmann::json Listing(const std::string& name) {
    RunResult r = cli_.Run("certificates", {"--json", "--cert-name", name});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return nlohmann::json::parse(r.out).at(0);
  }
  static std::vector<std::string> Names(const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(e.at("name"));
    return out;
  }

  CliHarness cli_{*pebble_};
  std::string dead_server_, last_err_;
};

TEST_F(RenewBackoffTest, UnreachableCaIsBackedOffThenRetriedWhenItsTimeComes) {
  Issue(kName);
  MakeCaUnreachable(kName);
  nlohmann::json j = RenewJson({}, 1);
  ASSERT_EQ(Names(j["failed"]), std::vector<std::string>{kName}) << j.dump();
  nlohmann::json h = History(kName);
  EXPECT_EQ(h["failures"], 1);
  EXPECT_EQ(h["last_succeeded"], false);
  EXPECT_NE(h["reason"].get<std::string>().find(dead_server_),
            std::string::npos)
      << h.dump();
  // A one-hour certificate: the wait is a quarter of what remains, not 1 h.
  const long long wait =
      h["next_attempt"].get<long long>() - h["last_attempt"].get<long long>();
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 900);

  // The next run leaves it alone and says until when.
  j = RenewJson({}, 0);
  ASSERT_EQ(Names(j["backed_off"]), std::vector<std::string>{kName})
      << j.dump();
  EXPECT_EQ(j["backed_off"][0]["failures"], 1);
  EXPECT_EQ(j["backed_off"][0]["reason"], h["reason"]);
  EXPECT_NE(last_err_.find(std::string("not renewed: ") + kName +
                           ": its last renewal attempt failed at "),
            std::string::npos)
      << last_err_;
  nlohmann::json listing = Listing(kName);
  EXPECT_EQ(listing["renewal_failure"]["failures"], 1) << listing.dump();
  EXPECT_EQ(listing["renewal_failure"]["reason"], h["reason"]);
  EXPECT_EQ(listing["renewal_failure"]["next_attempt"],
            j["backed_off"][0]["next_attempt"]);
  RunResult text = cli_.Run("certificates", {});
  EXPECT_NE(text.out.find("    Next Attempt: "), std::string::npos) << text.out;

  // The CA is back, but the lineage still waits...
  MakeCaReachable(kName);
  RunResult r = Renew({});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("0 renewed, 0 not due, 1 backed off, 0 failed"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(cli_.Version(kName), 1);
  // ... until its next attempt has come: then it renews, and the failure is
  // forgotten.
  AllowRetryNow(kName);
  j = RenewJson({}, 0);
  EXPECT_EQ(Names(j["renewed"]), std::vector<std::string>{kName}) << j.dump();
  EXPECT_EQ(cli_.Version(kName), 2);
  EXPECT_EQ(cli_.CheckLineage(kName), "");
  EXPECT_EQ(History(kName)["last_succeeded"], true);
  EXPECT_EQ(History(kName)["failures"], 0);
  EXPECT_TRUE(Listing(kName)["renewal_failure"].is_null());
}

TEST_F(RenewBackoffTest, ForceRenewalTriesAtOnceAndStartsTheCountAgain) {
  Issue(kName);
  MakeCaUnreachable(kName);
  RenewJson({}, 1);
  AllowRetryNow(kName);
  RenewJson({}, 1);
  ASSERT_EQ(History(kName)["failures"], 2);

  nlohmann::json j = RenewJson({"--force-renewal"}, 1);
  EXPECT_EQ(Names(j["failed"]), std::vector<std::string>{kName});
  EXPECT_EQ(History(kName)["failures"], 1);

  MakeCaReachable(kName);
  j = RenewJson({"--force-renewal", "--cert-name", kName}, 0);
  EXPECT_EQ(Names(j["renewed"]), std::vector<std::string>{kName});
  EXPECT_EQ(History(kName)["last_succeeded"], true);
}

// "2026-12-04T01:02:03Z" → Unix seconds.
long long UnixSeconds(const std::string& rfc3339) {
  std::tm tm{};
  EXPECT_NE(strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr)
      << rfc3339;
  return timegm(&tm);
}

// The samples of a Prometheus text file ("name{labels}" → value), checking
// its syntax on the way: every sample's family was introduced by its HELP
// and TYPE lines, every line is a comment or a sample.
std::map<std::string, std::string> ParseMetrics(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge)");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{lineage="(?:[^"\\]|\\.)*"\})? (-?[0-9]+(?:\.[0-9]+)?))");
  std::map<std::string, std::string> samples;
  std::set<std::string> helped, typed;
  std::istringstream in(text);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << "TYPE twice: " << line;
    } else if (std::regex_match(line, m, kSample)) {
      EXPECT_TRUE(typed.count(m[1])) << "sample without TYPE: " << line;
      samples[m[1].str() + m[2].str()] = m[3];
    } else {
      ADD_FAILURE() << "not a line of the text format: \"" << line << "\"";
    }
  }
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  return samples;
}

constexpr char kPromtoolHint[] =
    "promtool (Debian package prometheus; scripts/deps installs it)";

// `promtool check metrics < path`: Prometheus's own parser and linter.
sys::ProcessResult PromtoolCheckMetrics(const std::string& path) {
  RunTool({"promtool", "--version"}, {}, kPromtoolHint);  // fails loudly
  return RunTool(
      {"bash", "-c", "promtool check metrics < \"$1\"", "bash", path});
}

TEST_F(RenewBackoffTest, MetricsFileIsWrittenAfterAFailedRunAndFromCliIni) {
  Issue("ok.example.com");
  Issue(kName);
  MakeCaUnreachable(kName);
  const std::string dir = cli_.dir() / "textfile";
  fs::create_directories(dir);
  const std::string path = dir + "/certpilot.prom";
  RunResult r = Renew({"--metrics-file", path});
  ASSERT_EQ(r.exit_code, 1) << r.Describe();
  sys::ProcessResult lint = PromtoolCheckMetrics(path);
  EXPECT_TRUE(lint.Succeeded() && lint.out.empty() && lint.err.empty())
      << lint.exit_code << "\n"
      << lint.out << lint.err << ReadFileOrEmpty(path);
  std::map<std::string, std::string> m = ParseMetrics(ReadFileOrEmpty(path));
  EXPECT_EQ(m["certpilot_run_renewed"], "1");
  EXPECT_EQ(m["certpilot_run_failed"], "1");
  EXPECT_EQ(m["certpilot_run_success"], "0");
  EXPECT_EQ(m["certpilot_run_backed_off"], "0");
  const std::string ok = "{lineage=\"ok.example.com\"}";
  const std::string down = std::string("{lineage=\"") + kName + "\"}";
  nlohmann::json listing = Listing("ok.example.com");
  EXPECT_EQ(m["certpilot_certificate_not_after_timestamp_seconds" + ok],
            std::to_string(UnixSeconds(listing["not_after"])));
  EXPECT_EQ(m["certpilot_certificate_renew_after_timestamp_seconds" + ok],
            std::to_string(UnixSeconds(listing["renew_after"])));
  EXPECT_EQ(m["certpilot_certificate_last_attempt_success" + ok], "1");
  EXPECT_EQ(m["certpilot_certificate_last_attempt_success" + down], "0");
  EXPECT_EQ(m["certpilot_certificate_consecutive_failures" + down], "1");
  EXPECT_EQ(m["certpilot_certificate_next_attempt_timestamp_seconds" + down],
            std::to_string(History(kName)["next_attempt"].get<long long>()));
  EXPECT_EQ(
      m.count("certpilot_certificate_next_attempt_timestamp_seconds" + ok), 0u);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write |
                fs::perms::group_read | fs::perms::others_read);
  // Nothing else is left in the collector's directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), {}), 1);

  // From cli.ini, as certbot's other settings.
  const std::string from_ini = dir + "/from-ini.prom";
  std::ofstream(cli_.config() + "/cli.ini")
      << "metrics-file = " << from_ini << "\n";
  r = Renew({});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();  // ok renews, the other waits
  m = ParseMetrics(ReadFileOrEmpty(from_ini));
  EXPECT_EQ(m["certpilot_run_backed_off"], "1");
  EXPECT_EQ(m["certpilot_run_success"], "1");

  // A directory that does not exist is bad input.
  r = Renew({"--metrics-file", dir + "/missing/certpilot.prom"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--metrics-file"), std::string::npos) << r.err;
}

// The alerting rules the man page (METRICS) and the README show are valid
// Prometheus rule files (promtool check rules), and name only metrics
// certpilot writes.
TEST(MetricsDocumentation, AlertingRulesAreValidAndUseRealMetrics) {
  const std::string source = CERTPILOT_SOURCE_DIR;
  TempDir dir;
  std::map<std::string, std::string> rules;
  // man/certpilot.1: the .nf block that starts with "groups:", "\-" → "-".
  std::string man = ReadFileOrEmpty(source + "/man/certpilot.1");
  size_t from = man.find(".nf\ngroups:");
  ASSERT_NE(from, std::string::npos);
  from += 4;
  std::string rule = man.substr(from, man.find(".fi\n", from) - from);
  rules["man"] = std::regex_replace(rule, std::regex(R"(\\-)"), "-");
  // README.md: the yaml block.
  std::string readme = ReadFileOrEmpty(source + "/README.md");
  from = readme.find("```yaml\ngroups:");
  ASSERT_NE(from, std::string::npos);
  from += 8;
  rules["readme"] = readme.substr(from, readme.find("```", from) - from);

  RunTool({"promtool", "--version"}, {}, kPromtoolHint);  // fails loudly
  static const std::regex kMetric("certpilot_[a-z_]+");
  const std::string metrics_text =
      ReadFileOrEmpty(source + "/src/app/types/metrics_text.cc");
  for (const auto& [where, text] : rules) {
    const std::string path = dir / (where + ".yml");
    std::ofstream(path) << text;
    sys::ProcessResult r = RunTool({"promtool", "check", "rules", path});
    EXPECT_TRUE(r.Succeeded()) << where << ":\n" << text << r.out << r.err;
    EXPECT_NE(r.out.find("SUCCESS: 3 rules found"), std::string::npos)
        << where << ": " << r.out;
    for (std::sregex_iterator it(text.begin(), text.end(), kMetric), end;
         it != end; ++it)
      EXPECT_NE(metrics_text.find("\"" + it->str() + "\""), std::string::npos)
          << where << " names " << it->str();
  }
}

}  // namespace
}  // namespace certpilot::testing
