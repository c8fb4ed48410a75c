// Daemon: one long-running program a test fixture starts (pebble,
// pebble-challtestsrv, knotd, nginx), and the choreography around it that
// every fixture needs:
//   - Start: fork/exec of argv (no shell) with a given environment, stdin
//     from /dev/null, stdout and stderr into a log file, in a process group
//     of its own, SIGTERM when the thread that started it dies
//     (PR_SET_PDEATHSIG), so a crashed test leaks no daemon;
//   - AwaitReady: polls the fixture's readiness check with a deadline (no
//     fixed sleeps); a daemon that ends first, or the deadline, is a failure
//     quoting the tail of the logs; a lost race for a port is reported so
//     the fixture can retry with new ports;
//   - Stop: SIGTERM, SIGKILL after a deadline, reap.
// A fixture is then its configuration and its readiness check.
//
// Failures throw std::runtime_error. Use a Daemon from the thread that
// started it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace certpilot::testing {

struct DaemonSpec {
  std::string name;               // for messages: "pebble", "knotd"
  std::vector<std::string> argv;  // argv[0]: the program's path
  // The whole environment ("NAME=value"); nullopt: this process's.
  std::optional<std::vector<std::string>> env = std::nullopt;
  std::string log_path;     // stdout and stderr
  bool append_log = false;  // else the log is truncated at each start
  std::chrono::milliseconds stop_timeout{5000};  // SIGTERM → SIGKILL
};

class Daemon {
 public:
  Daemon() = default;
  ~Daemon();  // Stop()
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts it (Stop() first if it was started). Throws when the log cannot
  // be created or fork fails; a failed exec shows as an exit (127) with a
  // line in the log.
  void Start(DaemonSpec spec);
  // Started and not yet stopped (it may have ended by itself: Ended()).
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const DaemonSpec& spec() const { return spec_; }

  // When it has ended (it is reaped then): "exited 1", "killed by signal
  // 9". nullopt while it runs.
  std::optional<std::string> Ended();
  // "--- LOG ---\n" and the last `max_bytes` of its log.
  std::string LogTail(std::size_t max_bytes = 4000) const;

  // SIGTERM, SIGKILL after spec().stop_timeout, reap. Idempotent.
  void Stop();

 private:
  friend void StopAll(const std::vector<Daemon*>& daemons);
  DaemonSpec spec_;
  pid_t pid_ = -1;
};

// Stops several daemons at once: SIGTERM to each, then one shared deadline
// (the longest stop_timeout) before SIGKILL.
void StopAll(const std::vector<Daemon*>& daemons);

// How AwaitReady decides a fixture's daemons are up.
struct Readiness {
  std::string owner;  // message prefix: "PebbleFixture"
  // Polled until true. Its exceptions propagate, the daemons left running
  // for the fixture's own clean-up to stop.
  std::function<bool()> ready;
  // What is still missing, for the timeout message (optional).
  std::function<std::string()> missing;
  // The logs quoted in failure messages (default: each daemon's LogTail()).
  std::function<std::string()> logs;
  std::chrono::milliseconds timeout{20000};
  std::chrono::milliseconds interval{20};
  // Matched, case-insensitively, against the logs of a daemon that ended
  // or is still starting: another process took its port.
  std::string port_taken = "address already in use";
};

enum class Startup { kReady, kPortTaken };

// Polls `readiness.ready` until it is true: kReady. Stops every daemon and
// returns kPortTaken when one's log says its port was taken (it ended or
// not). Stops every daemon and throws — quoting the logs — when one ends
// otherwise ("OWNER: NAME exited 1 during startup") or at the deadline
// ("OWNER: NAMES did not come up within N ms (MISSING)").
Startup AwaitReady(const std::vector<Daemon*>& daemons,
                   const Readiness& readiness);

// Calls `start` — which picks fresh ports each time — until it returns
// kReady, at most `attempts` times: kPortTaken means another process took a
// port between its reservation and the daemon's bind. Then throws
// "OWNER: could not start WHAT: lost the race for a port N times" with
// `logs()`.
void RetryPortRaces(const std::string& owner, const std::string& what,
                    const std::function<Startup()>& start,
                    const std::function<std::string()>& logs, int attempts = 3);

// Throws "OWNER: NOT_INSTALLED (PROGRAM not found)" for the first of
// `programs` that is not executable, so a missing package fails with how to
// install it rather than as a daemon that exits at once.
void RequirePrograms(const std::string& owner,
                     const std::vector<std::string>& programs,
                     const std::string& not_installed);

// Runs `start`; when it throws, runs `stop` and rethrows. For a fixture's
// constructor: its destructor never runs when the constructor throws, so a
// half-started fixture must stop its daemons and remove its files itself.
void StartOrStop(const std::function<void()>& start,
                 const std::function<void()>& stop);

// The pid written in `pid_file`, if that process is alive; else -1. For a
// server that writes its own pid file (nginx, httpd).
pid_t LivePidInFile(const std::string& pid_file);
// Ends a server a test did not start as a Daemon (one certpilot started
// from the test's configuration): SIGTERM, then SIGKILL when it has not
// ended within 10 s (polled, no fixed sleep). Nothing for pid <= 0.
void EndStrayServer(pid_t pid);

// This process's environment, NAME → value, with `overrides` on top.
std::map<std::string, std::string> CurrentEnvironment(
    const std::map<std::string, std::string>& overrides = {});
// "NAME=value" entries, for DaemonSpec::env or execve.
std::vector<std::string> EnvironmentEntries(
    const std::map<std::string, std::string>& env);

// The last `max_bytes` of a file ("..." before them when cut), or
// "(no log at PATH)".
std::string ReadTail(const std::string& path, std::size_t max_bytes);

}  // namespace certpilot::testing
