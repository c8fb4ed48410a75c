// packaging/systemd: the units say what we ship, and `systemd-analyze
// verify` (Debian package `systemd`; works offline, without systemd as
// PID 1) accepts them with ExecStart pointed at the built binary. Fails,
// never skips, when systemd-analyze is missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/temp_dir.h"
#include "sys/process_runner.h"

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

TEST(SystemdUnitsTest, TimerSaysWhatWeShip) {
  Unit unit = ParseUnit(ReadSource("certpilot.timer"));
  EXPECT_EQ(Values(unit, "Timer", "OnCalendar"), V{"*-*-* 00,12:00:00"});
  EXPECT_EQ(Values(unit, "Timer", "RandomizedDelaySec"), V{"43200"});
  EXPECT_EQ(Values(unit, "Timer", "Persistent"), V{"true"});
  EXPECT_EQ(Values(unit, "Install", "WantedBy"), V{"timers.target"});
  // No Unit=: it triggers the service of the same name, installed beside it.
  std::vector<std::string> triggered = Values(unit, "Timer", "Unit");
  EXPECT_TRUE(triggered.empty() || triggered == V{"certpilot.service"});
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
