// Running other programs: the seam through which certpilot runs the user's
// hooks (pre/post/deploy, manual auth and cleanup) and `nginx -t` /
// `nginx -s reload`. Code that runs a program takes a ProcessRunner&, so tests
// substitute a fake that records the ProcessSpecs it was handed.
//
// The contract of ProcessRunner::Run, for every implementation:
//  - argv reaches the program verbatim: no shell, no word splitting, no
//    globbing, no `$(...)`. A hook *string* from the user goes through
//    ShellCommand() (that is what the user asked for); values certpilot
//    passes to hooks travel in env_add, never pasted into that string.
//  - Run blocks until the program has exited (or was killed after its
//    timeout) and returns how it ended with what it wrote. A program that
//    ran and failed is a result, not an exception: check exit_code.
//  - Run throws ProcessError when the program could not be started: not
//    found, not executable, bad working directory, no pipes left, a
//    malformed spec. (And, never in certpilot, when someone else reaped the
//    child so its exit status is lost: SIGCHLD set to SIG_IGN.)
//  - Thread-safe: several threads may call Run at once (parallel renewals
//    run hooks concurrently).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "util/error.h"

namespace certpilot::sys {

// Variables certpilot reads secrets from ($CERTPILOT_EAB_HMAC_KEY); no
// child inherits them (secrets never reach hook environments).
inline constexpr const char* kSecretEnvironment[] = {"CERTPILOT_EAB_HMAC_KEY"};

struct ProcessSpec {
  // argv[0] is the program. Without a '/' it is looked up in the child's
  // PATH (the PATH after env_add/env_remove; if unset, the system default
  // from confstr(_CS_PATH)), as execvp would. With a '/' it is used as is
  // (relative to working_dir). REQUIRES: non-empty; no element contains NUL.
  std::vector<std::string> argv;
  // Added to the inherited environment, replacing inherited variables of the
  // same name. Wins over env_remove. REQUIRES: names non-empty, without '='
  // or NUL; values without NUL.
  // Secrets certpilot takes from its own environment (kSecretEnvironment)
  // are never inherited; only env_add can pass one on.
  std::map<std::string, std::string> env_add;
  // Inherited variables dropped (names that are not set are fine).
  std::vector<std::string> env_remove;
  // The child's working directory; "" = certpilot's own.
  std::string working_dir;
  // When exceeded, the child's whole process group gets SIGTERM, and
  // SIGKILL `kill_grace` later if the child is still running then. The
  // result then has timed_out set. milliseconds::max() means no limit.
  std::chrono::milliseconds timeout = std::chrono::minutes(10);
  std::chrono::milliseconds kill_grace = std::chrono::seconds(5);
  // When set and it becomes true (another thread: the agent stopping), the
  // child is ended as on a timeout (SIGTERM, SIGKILL after kill_grace;
  // timed_out set). Looked at every 100 ms while the child runs.
  const std::atomic<bool>* cancel = nullptr;
  // Written to the child's stdin, which is then closed. "" = stdin is
  // /dev/null. A child that exits without reading it all is not an error.
  std::string stdin_data;
  // Per stream (stdout, stderr): output beyond this many bytes is read and
  // discarded (so the child never blocks on a full pipe) and `truncated` set.
  std::size_t max_output_bytes = std::size_t{1} << 20;
};

struct ProcessResult {
  int exit_code = -1;      // the exit status; -1 if killed by a signal
  int signal = 0;          // the signal that killed it; 0 if it exited
  bool timed_out = false;  // certpilot killed it: spec.timeout exceeded
  bool truncated = false;  // stdout or stderr exceeded max_output_bytes
  std::string out, err;

  // exit_code == 0 && !timed_out.
  bool Succeeded() const { return exit_code == 0 && !timed_out; }
  // For messages: "exited with status 1", "killed by SIGSEGV",
  // "timed out and was killed by SIGTERM".
  std::string Describe() const;
};

// What a program printed, for messages: stderr then stdout, each trimmed,
// the newlines between lines kept and every other control byte replaced.
std::string PrintedOutput(const ProcessResult& r);

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  virtual ProcessResult Run(const ProcessSpec& spec) = 0;
};

// The real thing, on Linux with glibc (posix_spawn; pidfd where the kernel
// has it). Stateless, so thread-safe. What the child gets:
//  - fds 0, 1, 2 only (stdin from stdin_data or /dev/null, stdout and
//    stderr to pipes): every other descriptor is closed in the child, even
//    ones another thread opened without O_CLOEXEC;
//  - its own process group (the timeout kills grandchildren too);
//  - all signal dispositions reset to default, an empty signal mask;
//  - the environment of certpilot read at the time of the call, edited by
//    env_add/env_remove. REQUIRES: no thread calls setenv/putenv meanwhile.
// The run ends when the child exits: output it wrote is all collected, but
// processes it left running in the background are neither waited for nor
// killed (only a timeout kills the group), and what they write afterwards
// is not captured. The calling thread has SIGPIPE blocked while Run writes
// stdin_data, so a child that closes its stdin early cannot kill certpilot.
class PosixProcessRunner : public ProcessRunner {
 public:
  ProcessResult Run(const ProcessSpec& spec) override;
};

// A user's hook string run the way certbot runs it: {"/bin/sh", "-c",
// command}, other fields at their defaults. Data reaches hooks only through
// the environment (spec.env_add), never pasted into `command`.
ProcessSpec ShellCommand(const std::string& command);

// The program could not be started. what() reads "cannot run <program>:
// <reason>", e.g. "cannot run nginx: No such file or directory" or "cannot
// run /bin/pwd: working directory /srv/x: Permission denied".
class ProcessError : public Error {
 public:
  // `reason` is the text after "cannot run <program>: ".
  ProcessError(const std::string& program, const std::string& reason,
               int error_code);

  // argv[0] as given (what() shows it with control characters replaced).
  const std::string& program() const { return program_; }
  // The errno value behind the failure; EINVAL for a malformed ProcessSpec.
  int error_code() const { return error_code_; }

 private:
  std::string program_;
  int error_code_;
};

}  // namespace certpilot::sys
