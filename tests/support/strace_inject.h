// Runs a program under strace(1) with syscall fault injection, for the
// crash and full-disk integration tests: SIGKILL at the k-th
// call of a syscall, or an error (ENOSPC, EIO) instead of it.
//
//   StraceRun r = RunUnderStrace(argv, {.syscall = "fsync",
//                                       .action = "signal=SIGKILL",
//                                       .when = 3});
//
// strace counts calls per syscall and per tracee (each thread and child
// process separately), so `when = k` hits the k-th call of every tracee
// that gets that far; with `paths`, only calls on those paths (by name or
// by descriptor) are counted and injected (strace -P).
//
// Needs the Debian package `strace` and ptrace permission; throws
// std::runtime_error, saying so, when strace cannot run at all. The
// program's stdin is /dev/null; it runs in a process group of its own.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/run_binary.h"

namespace certpilot::testing {

struct StraceInjection {
  StraceInjection(std::string syscall_, std::string action_, int when_ = 1,
                  std::vector<std::string> paths_ = {},
                  std::vector<std::string> also_ = {})
      : syscall(std::move(syscall_)),
        action(std::move(action_)),
        when(when_),
        paths(std::move(paths_)),
        also(std::move(also_)) {}

  std::string syscall;             // e.g. "write", "renameat2"; "": only `also`
  std::string action;              // "signal=SIGKILL", "error=ENOSPC"
  int when = 1;                    // the call to hit (1-based)
  std::vector<std::string> paths;  // strace -P filters; empty = every call
  // More injections for the same run, as strace spells them, e.g.
  // "renameat2:error=EINVAL" (a filesystem without RENAME_EXCHANGE).
  std::vector<std::string> also;
  // The traced program and everything in its process group are SIGKILLed
  // if it has not ended by then (StraceRun::timed_out): a hang fails the
  // test instead of blocking it.
  std::chrono::milliseconds deadline{120'000};
};

struct StraceRun {
  RunResult result;   // of the traced program (strace passes its status on)
  std::string trace;  // strace's log of the injected syscall
  // Tracees killed by the injection ("+++ killed by SIGKILL +++").
  int killed = 0;
  // Calls answered with an injected error ("(INJECTED)").
  int errors_injected = 0;
  bool timed_out = false;
  bool injected() const { return killed > 0 || errors_injected > 0; }
};

// Runs argv (argv[0] a path) under
//   strace -f -qq -y -o LOG -e trace=SYSCALL[,ALSO...]
//          -e inject=SYSCALL:ACTION:when=K [-e inject=ALSO]... [-P PATH]...
//          -- argv...
// with the current environment plus `env`, and waits for it. For sanitizer
// builds, ASAN_OPTIONS gets detect_leaks=0 (LeakSanitizer cannot run under
// ptrace) and log_path=stderr appended, UBSAN_OPTIONS log_path=stderr.
StraceRun RunUnderStrace(const std::vector<std::string>& argv,
                         const StraceInjection& injection,
                         const std::map<std::string, std::string>& env = {});

// The same, started in the background, for a test that acts while the
// program runs: e.g. stop it at a syscall with "signal=SIGSTOP", do
// something while it is stopped (WaitForTrace("stopped by SIGSTOP") says
// when), then kill(pid, SIGCONT). The destructor SIGKILLs the whole process
// group if the run has not ended, and waits for it.
class StraceProcess {
 public:
  StraceProcess(const std::vector<std::string>& argv,
                const StraceInjection& injection,
                const std::map<std::string, std::string>& env = {});
  ~StraceProcess();
  StraceProcess(const StraceProcess&) = delete;
  StraceProcess& operator=(const StraceProcess&) = delete;

  // The first line of strace's log containing `needle`, polling until it
  // appears, the run ends or `timeout` passes; "" in the last two cases.
  std::string WaitForTrace(const std::string& needle,
                           std::chrono::milliseconds timeout);
  // Waits for the end, at most until injection.deadline after the start.
  // Call once.
  StraceRun Wait();

  // The traced process (thread) a log line is about: strace -f starts each
  // line with its pid. 0 if the line has none.
  static pid_t PidOf(const std::string& trace_line);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The strace binary (from PATH); throws std::runtime_error if absent.
std::string StraceBinary();

}  // namespace certpilot::testing
