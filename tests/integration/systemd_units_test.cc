// packaging/systemd: the units say what we ship, and `systemd-analyze
// verify` (Debian package `systemd`; works offline, without systemd as
// PID 1) accepts them with ExecStart pointed at the built binary. Fails,
// never skips, when systemd-analyze is missing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/rules/backoff.h"
#include "app/rules/renewal_policy.h"
#include "support/temp_dir.h"
#include "sys/process_runner.h"
#include "util/clock.h"

namespace certpilot::testing {
namespace {

using namespace std::chrono_literals;

const std::string kUnitDir =
    std::string(CERTPILOT_SOURCE_DIR) + "/packaging/systemd";
// The one placeholder in the templates; CMake's install step fills it in
// (configure_file @ONLY), this test puts the built binary there instead.
const std::string kBinaryPlaceholder = "/usr/bin/certpilot";
const std::string kExecStartArgs = " -q renew --no-random-sleep-on-renew";

// section -> (key, value) in file order; comments and blank lines dropped.
using Unit =
    std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

Unit ParseUnit(const std::string& text) {
  Unit unit;
  std::string section;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      unit[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << "not a key=value line: " << line;
      continue;
    }
    unit[section].emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  return unit;
}

// All values of `key` in `section`.
std::vector<std::string> Values(const Unit& unit, const std::string& section,
                                const std::string& key) {
  std::vector<std::string> values;
  auto it = unit.find(section);
  if (it == unit.end()) return values;
  for (const auto& [k, v] : it->second) {
    if (k == key) values.push_back(v);
  }
  return values;
}

using V = std::vector<std::string>;

std::string ReadSource(const std::string& name) {
  std::string path = kUnitDir + "/" + name;
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  return ReadFileOrEmpty(path);
}

// Writes certpilot.service (ExecStart -> `binary`) and certpilot.timer into
// `dir`, side by side, so the timer's unit resolves.
void GenerateUnits(const std::string& dir, const std::string& binary) {
  std::string service = ReadSource("certpilot.service");
  auto at = service.find(kBinaryPlaceholder);
  ASSERT_NE(at, std::string::npos);
  service.replace(at, kBinaryPlaceholder.size(), binary);
  ASSERT_EQ(service.find('@'), std::string::npos)
      << "a placeholder the CMake install step does not fill";
  std::ofstream(dir + "/certpilot.service") << service;
  std::ofstream(dir + "/certpilot.timer") << ReadSource("certpilot.timer");
}

sys::ProcessResult Analyze(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {}) {
  sys::ProcessSpec spec;
  spec.argv = {"systemd-analyze"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env_add = env;
  spec.timeout = 120s;
  try {
    return sys::PosixProcessRunner().Run(spec);
  } catch (const sys::ProcessError& e) {
    ADD_FAILURE() << e.what()
                  << " -- install the Debian package `systemd` (it provides "
                     "systemd-analyze; scripts/deps should)";
    throw;
  }
}

TEST(SystemdUnitsTest, ServiceSaysWhatWeShip) {
  Unit unit = ParseUnit(ReadSource("certpilot.service"));
  EXPECT_EQ(Values(unit, "Service", "Type"), V{"oneshot"});
  EXPECT_EQ(Values(unit, "Service", "ExecStart"),
            V{kBinaryPlaceholder + kExecStartArgs});
  EXPECT_EQ(Values(unit, "Service", "PrivateTmp"), V{"true"});
  // These would break nginx -t/reload, the nginx installer or deploy hooks
  // (see the comment in the unit); a drop-in may add them, we do not.
  for (const char* key : {"ProtectSystem", "ProtectHome", "ReadOnlyPaths",
                          "InaccessiblePaths", "User", "NoNewPrivileges"}) {
    EXPECT_EQ(Values(unit, "Service", key), V{}) << key;
  }
  EXPECT_EQ(Values(unit, "Install", "WantedBy"), V{})
      << "the timer starts the service; it is not enabled on its own";
}

// The fleet agent (issue #17) runs hooks and reloads nginx as renew does:
// exactly certpilot.service's hardening, no more, no less.
TEST(SystemdUnitsTest, AgentServiceHasTheHardeningOfTheRenewService) {
  Unit renew = ParseUnit(ReadSource("certpilot.service"));
  Unit agent = ParseUnit(ReadSource("certpilot-agent.service"));
  EXPECT_EQ(Values(agent, "Service", "Type"), V{"simple"});
  EXPECT_EQ(Values(agent, "Service", "ExecStart"),
            V{kBinaryPlaceholder + " agent"});
  EXPECT_EQ(Values(agent, "Service", "Restart"), V{"on-failure"});
  EXPECT_EQ(Values(agent, "Install", "WantedBy"), V{"multi-user.target"});
  for (const char* key :
       {"PrivateTmp", "ProtectKernelLogs", "RestrictRealtime",
        "LockPersonality", "ProtectHostname", "ProtectSystem", "ProtectHome",
        "ReadOnlyPaths", "InaccessiblePaths", "User", "NoNewPrivileges"})
    EXPECT_EQ(Values(agent, "Service", key), Values(renew, "Service", key))
        << key;

  TempDir tmp;
  std::string text = ReadSource("certpilot-agent.service");
  text.replace(text.find(kBinaryPlaceholder), kBinaryPlaceholder.size(),
               CERTPILOT_BINARY);
  const std::string path = tmp / "certpilot-agent.service";
  std::ofstream(path) << text;
  sys::ProcessResult r = Analyze({"verify", "--man=no", path});
  EXPECT_EQ(r.exit_code, 0) << r.Describe() << "\n" << r.err;
  EXPECT_EQ(r.err, "") << "systemd-analyze warned";
}

TEST(SystemdUnitsTest, TimerSaysWhatWeShip) {
  Unit unit = ParseUnit(ReadSource("certpilot.timer"));
  EXPECT_EQ(Values(unit, "Timer", "OnCalendar"), V{"*-*-* 00/4:00:00"});
  EXPECT_EQ(Values(unit, "Timer", "RandomizedDelaySec"), V{"3600"});
  EXPECT_EQ(Values(unit, "Timer", "Persistent"), V{"true"});
  EXPECT_EQ(Values(unit, "Install", "WantedBy"), V{"timers.target"});
  // No Unit=: it triggers the service of the same name, installed beside it.
  std::vector<std::string> triggered = Values(unit, "Timer", "Unit");
  EXPECT_TRUE(triggered.empty() || triggered == V{"certpilot.service"});
}

// The times `systemd-analyze calendar` gives for `spec` after `base`
// (seconds since the epoch, UTC).
std::vector<std::time_t> Elapses(const std::string& spec,
                                 const std::string& base, int iterations) {
  sys::ProcessResult r =
      Analyze({"calendar", "--iterations=" + std::to_string(iterations),
               "--base-time=" + base, spec},
              {{"TZ", "UTC"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::time_t> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    // "    Next elapse: Mon 2026-12-07 04:00:00 UTC", "  Iter. #2: ..."
    if (line.find("Next elapse:") == std::string::npos &&
        line.find("Iter. #") == std::string::npos)
      continue;
    std::tm tm{};
    const char* at = std::strchr(line.c_str(), ':') + 1;
    char weekday[8];
    if (std::sscanf(at, " %7s %d-%d-%d %d:%d:%d", weekday, &tm.tm_year,
                    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                    &tm.tm_sec) != 7) {
      ADD_FAILURE() << "cannot read: " << line;
      continue;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    out.push_back(timegm(&tm));
  }
  EXPECT_EQ(out.size(), size_t(iterations)) << r.out;
  return out;
}

// Short-lived certificates (issue: Let's Encrypt's 160-hour profile): the
// timer's real schedule, with every run as late as RandomizedDelaySec
// allows (more pessimistic than any real run), a 160-hour certificate due
// by the real rule (half its lifetime: 80 hours before expiry), the CA down
// for the first whole day of that window, and the real backoff after each
// failure. Even if every attempt after the outage failed as well, the
// schedule gives at least six attempts between the CA's return and expiry.
TEST(SystemdUnitsTest, ShortLivedCertificateGetsSixAttemptsAfterADayOfOutage) {
  using std::chrono::hours;
  using std::chrono::seconds;
  Unit unit = ParseUnit(ReadSource("certpilot.timer"));
  ASSERT_EQ(Values(unit, "Timer", "OnCalendar").size(), 1u);
  ASSERT_EQ(Values(unit, "Timer", "RandomizedDelaySec").size(), 1u);
  const std::string spec = Values(unit, "Timer", "OnCalendar")[0];
  const seconds delay(
      std::stol(Values(unit, "Timer", "RandomizedDelaySec")[0]));
  const std::vector<std::time_t> elapses =
      Elapses(spec, "2026-12-07 00:30:00 UTC", 60);
  ASSERT_FALSE(elapses.empty());

  const TimePoint not_before = TimePoint(seconds(elapses.front()));
  const TimePoint not_after = not_before + hours(160);
  const TimePoint renew_after =
      app::RenewAfter(not_before, not_after, std::nullopt);
  EXPECT_EQ(not_after - renew_after, hours(80));
  const TimePoint ca_back = renew_after + hours(24);

  // Run k: the k-th elapse, with every gap stretched by the full delay.
  std::vector<TimePoint> runs = {TimePoint(seconds(elapses.front())) + delay};
  for (size_t i = 1; i < elapses.size(); ++i)
    runs.push_back(runs.back() + seconds(elapses[i] - elapses[i - 1]) + delay);
  ASSERT_GT(runs.back(), not_after) << "too few iterations asked for";

  std::optional<app::RenewalHistory> history;
  int during = 0, after = 0;
  std::string log;
  for (TimePoint t : runs) {
    if (t < renew_after || t >= not_after) continue;
    if (app::BackedOffUntil(history, "01", t)) continue;
    (t < ca_back ? during : after) += 1;
    log += FormatRfc3339(t) + (t < ca_back ? " (CA down)\n" : "\n");
    history = app::RecordFailure(history, "01", not_after, t, "failed", false);
  }
  EXPECT_GE(after, 6) << "attempts after the CA came back:\n" << log;
  EXPECT_GE(during, 1) << log;
}

TEST(SystemdUnitsTest, SystemdAnalyzeVerifyAcceptsBoth) {
  TempDir tmp;
  GenerateUnits(tmp.path(), CERTPILOT_BINARY);
  const std::string service = tmp / "certpilot.service";
  const std::string timer = tmp / "certpilot.timer";

  // --man=no: Documentation=man:certpilot(1) is checked by running man(1),
  // which needs the page installed. Everything else is checked: syntax,
  // unknown keys (a warning, hence "no output"), ExecStart executable,
  // dependencies loadable.
  sys::ProcessResult r = Analyze({"verify", "--man=no", service, timer});
  EXPECT_EQ(r.exit_code, 0) << r.Describe() << "\n" << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "") << "systemd-analyze warned";

  // The units it checked are ours (not an installed certpilot.service), and
  // the timer triggers the service beside it.
  sys::ProcessResult debug = Analyze({"verify", "--man=no", service, timer},
                                     {{"SYSTEMD_LOG_LEVEL", "debug"}});
  EXPECT_EQ(debug.exit_code, 0) << debug.err;
  const std::string dump = debug.out + debug.err;
  EXPECT_NE(dump.find("Fragment Path: " + service), std::string::npos) << dump;
  EXPECT_NE(dump.find("Fragment Path: " + timer), std::string::npos);
  EXPECT_NE(dump.find("Triggers: certpilot.service"), std::string::npos);
}

TEST(SystemdUnitsTest, VerifyRejectsAMissingBinary) {
  // The control for the test above: verify does look at ExecStart.
  TempDir tmp;
  GenerateUnits(tmp.path(), tmp / "no-such-certpilot");
  sys::ProcessResult r =
      Analyze({"verify", "--man=no", tmp / "certpilot.service",
               tmp / "certpilot.timer"});
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.err.find("no-such-certpilot"), std::string::npos) << r.err;
}

TEST(SystemdUnitsTest, ExecStartRunsQuietlyWhenNothingIsDue) {
  // What the timer runs twice a day on a machine with no certificates yet:
  // the exact ExecStart command line (directories redirected) must succeed
  // and, being -q, print nothing.
  TempDir tmp;
  for (const char* d : {"config", "work", "logs"}) {
    std::filesystem::create_directory(tmp / d);
  }
  Unit unit = ParseUnit(ReadSource("certpilot.service"));
  std::vector<std::string> exec_start = Values(unit, "Service", "ExecStart");
  ASSERT_EQ(exec_start.size(), 1u);
  sys::ProcessSpec spec;
  std::istringstream words(exec_start[0]);  // no quoting in our ExecStart
  for (std::string word; words >> word;) {
    spec.argv.push_back(word == kBinaryPlaceholder ? CERTPILOT_BINARY : word);
  }
  ASSERT_EQ(spec.argv.at(0), CERTPILOT_BINARY);
  for (const char* d : {"config", "work", "logs"}) {
    spec.argv.insert(spec.argv.end(),
                     {std::string("--") + d + "-dir", tmp / d});
  }
  spec.timeout = 120s;
  sys::ProcessResult r = sys::PosixProcessRunner().Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.Describe() << "\n" << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace certpilot::testing
