// The fixtures' daemon launcher (support/daemon.h) with /bin/sh as the
// daemon: readiness, a daemon that dies or loses its port during startup,
// the deadline, SIGKILL after an ignored SIGTERM, the environment, and
// retrying port races. Every wait polls with a deadline.
#include "support/daemon.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class DaemonTest : public ::testing::Test {
 protected:
  DaemonSpec Shell(const std::string& script) const {
    DaemonSpec spec;
    spec.name = "sh";
    spec.argv = {"/bin/sh", "-c", script};
    spec.log_path = dir_ / "sh.log";
    return spec;
  }
  // Ready once the log holds `text`.
  Readiness LogSays(const std::string& text) const {
    Readiness r;
    r.owner = "DaemonTest";
    r.ready = [this, text] {
      return ReadFileOrEmpty(dir_ / "sh.log").find(text) != std::string::npos;
    };
    r.timeout = 20s;
    return r;
  }
  // The message of what `f` throws, or "(nothing thrown)".
  template <typename F>
  static std::string Thrown(F f) {
    try {
      f();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(nothing thrown)";
  }

  TempDir dir_;
};

TEST_F(DaemonTest, ReadyThenStoppedBySigterm) {
  Daemon d;
  d.Start(Shell("echo up; exec sleep 60"));
  ASSERT_TRUE(d.started());
  const pid_t pid = d.pid();
  EXPECT_EQ(AwaitReady({&d}, LogSays("up")), Startup::kReady);
  EXPECT_EQ(d.Ended(), std::nullopt);
  d.Stop();
  EXPECT_FALSE(d.started());
  EXPECT_NE(::kill(pid, 0), 0) << "the daemon was not reaped";
  EXPECT_THAT(d.LogTail(), HasSubstr("--- " + dir_ / "sh.log" + " ---\nup"));
}

TEST_F(DaemonTest, EndingDuringStartupFailsWithTheLog) {
  Daemon d;
  d.Start(Shell("echo 'cannot read my config'; exit 3"));
  const std::string message =
      Thrown([&] { AwaitReady({&d}, LogSays("never")); });
  EXPECT_THAT(message, HasSubstr("DaemonTest: sh exited 3 during startup"));
  EXPECT_THAT(message, HasSubstr("cannot read my config"));
  EXPECT_FALSE(d.started());
}

TEST_F(DaemonTest, APortTakenIsReportedForARetry) {
  Daemon ended, running;
  ended.Start(Shell("echo 'listen: bind: Address already in use'; exit 1"));
  EXPECT_EQ(AwaitReady({&ended}, LogSays("never")), Startup::kPortTaken);
  // Also while the daemon still runs (knotd logs it and carries on).
  running.Start(
      Shell("echo 'cannot bind (address already in use)'; exec sleep 60"));
  EXPECT_EQ(AwaitReady({&running}, LogSays("never")), Startup::kPortTaken);
  EXPECT_FALSE(running.started()) << "stopped before the retry";
}

TEST_F(DaemonTest, TheDeadlineStopsTheDaemonAndSaysWhatIsMissing) {
  Daemon d;
  d.Start(Shell("echo starting; exec sleep 60"));
  Readiness r = LogSays("never");
  r.timeout = 200ms;
  r.missing = [] { return "no answer on the port"; };
  const std::string message = Thrown([&] { AwaitReady({&d}, r); });
  EXPECT_THAT(message,
              HasSubstr("DaemonTest: sh did not come up within 200 ms (no "
                        "answer on the port)"));
  EXPECT_THAT(message, HasSubstr("starting"));
  EXPECT_FALSE(d.started());
}

TEST_F(DaemonTest, SigkillWhenSigtermIsIgnored) {
  Daemon d;
  DaemonSpec spec = Shell("trap '' TERM; echo up; while :; do :; done");
  spec.stop_timeout = 200ms;
  d.Start(spec);
  ASSERT_EQ(AwaitReady({&d}, LogSays("up")), Startup::kReady);
  const pid_t pid = d.pid();
  d.Stop();
  EXPECT_FALSE(d.started());
  EXPECT_NE(::kill(pid, 0), 0) << "the daemon was not killed and reaped";
}

TEST_F(DaemonTest, TheEnvironmentIsExactlyTheOneGiven) {
  Daemon d;
  DaemonSpec spec = Shell("echo \"[$CERTPILOT_DAEMON_TEST][$HOME]\"; exit 0");
  spec.env = EnvironmentEntries({{"CERTPILOT_DAEMON_TEST", "given"}});
  d.Start(spec);
  const std::string message = Thrown([&] { AwaitReady({&d}, LogSays("x")); });
  EXPECT_THAT(message, HasSubstr("[given][]"));
  EXPECT_EQ(CurrentEnvironment({{"CERTPILOT_DAEMON_TEST", "v"}})
                .at("CERTPILOT_DAEMON_TEST"),
            "v");
}

TEST_F(DaemonTest, PortRacesAreRetriedThenReported) {
  int tries = 0;
  RetryPortRaces(
      "DaemonTest", "sh",
      [&] { return ++tries < 3 ? Startup::kPortTaken : Startup::kReady; },
      [] { return ""; });
  EXPECT_EQ(tries, 3);
  tries = 0;
  EXPECT_THAT(Thrown([&] {
                RetryPortRaces(
                    "DaemonTest", "sh",
                    [&] {
                      ++tries;
                      return Startup::kPortTaken;
                    },
                    [] { return "the logs"; });
              }),
              HasSubstr("DaemonTest: could not start sh: lost the race for a "
                        "port 3 times\nthe logs"));
  EXPECT_EQ(tries, 3);
}

}  // namespace
}  // namespace certpilot::testing
