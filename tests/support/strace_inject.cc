#include "support/strace_inject.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> StraceArgs(const std::string& log,
                                    const std::vector<std::string>& argv,
                                    const StraceInjection& injection) {
  std::vector<std::string> specs = injection.also;
  if (!injection.syscall.empty()) {
    specs.insert(specs.begin(), injection.syscall + ":" + injection.action +
                                    ":when=" + std::to_string(injection.when));
  }
  if (specs.empty())
    throw std::runtime_error("RunUnderStrace: nothing to inject");
  std::string traced;
  for (const std::string& spec : specs)
    traced += (traced.empty() ? "" : ",") + spec.substr(0, spec.find(':'));
  // -y: descriptors with their paths, so a failure message can tell a
  // file from a pipe or a socket.
  std::vector<std::string> args{StraceBinary(), "-f", "-qq", "-y",
                                "-o",           log,  "-e",  "trace=" + traced};
  for (const std::string& more : specs) {
    args.push_back("-e");
    args.push_back("inject=" + more);
  }
  for (const std::string& p : injection.paths) {
    args.push_back("-P");
    args.push_back(p);
  }
  args.push_back("--");
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

// The current environment plus `env`. Sanitizer builds: LeakSanitizer
// cannot work under ptrace, and a report goes to stderr (where the test
// sees it, with the exit status) rather than to a log_path file, where a
// sanitizer runtime that an injected fault kept from starting would read as
// a report of a bug.
std::vector<std::string> Environment(
    const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged = CurrentEnvironment();
  for (const auto& [var, extra] :
       {std::pair<const char*, const char*>{"ASAN_OPTIONS",
                                            "detect_leaks=0:log_path=stderr"},
        {"UBSAN_OPTIONS", "log_path=stderr"}}) {
    if (env.count(var)) continue;
    auto now = merged.find(var);
    merged[var] =
        (now != merged.end() && !now->second.empty() ? now->second + ":" : "") +
        extra;
  }
  for (const auto& [k, v] : env) merged[k] = v;
  return EnvironmentEntries(merged);
}

}  // namespace

struct StraceProcess::State {
  TempDir dir;
  std::string log = dir / "strace.log";
  std::chrono::milliseconds deadline{};
  Clock::time_point started;
  pid_t pid = -1;  // strace; the leader of the process group
  int pidfd = -1;  // of strace: readable once it has exited
  bool reaped = false;
  int status = 0;

  // True once strace has exited (not yet reaped), waiting up to `wait`.
  bool Exited(std::chrono::milliseconds wait) {
    pollfd p{pidfd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(wait.count()));
    return ready > 0;
  }
  void Reap() {
    if (reaped) return;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped = true;
  }
};

StraceProcess::StraceProcess(const std::vector<std::string>& argv,
                             const StraceInjection& injection,
                             const std::map<std::string, std::string>& env)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.deadline = injection.deadline;
  std::vector<std::string> args = StraceArgs(s.log, argv, injection);
  std::vector<std::string> env_strings = Environment(env);
  std::vector<char*> envp, argp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  const std::string out_path = s.dir / "stdout", err_path = s.dir / "stderr";

  s.started = Clock::now();
  s.pid = fork();
  if (s.pid < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (s.pid == 0) {  // only async-signal-safe calls from here to execve
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
        dup2(err, 2) < 0)
      _exit(126);
    execve(argp[0], argp.data(), envp.data());
    _exit(127);
  }
  setpgid(s.pid, s.pid);  // also from here: no race with kill(-pid) below
  s.pidfd = static_cast<int>(syscall(SYS_pidfd_open, s.pid, 0));
  if (s.pidfd < 0) {
    const int err = errno;
    kill(-s.pid, SIGKILL);
    s.Reap();
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(err));
  }
}

StraceProcess::~StraceProcess() {
  State& s = *state_;
  if (!s.reaped) {
    kill(-s.pid, SIGKILL);
    s.Reap();
    kill(-s.pid, SIGKILL);  // tracees strace left behind
  }
  close(s.pidfd);
}

std::string StraceProcess::WaitForTrace(const std::string& needle,
                                        std::chrono::milliseconds timeout) {
  State& s = *state_;
  const auto end = Clock::now() + timeout;
  for (;;) {
    std::istringstream lines(ReadFileOrEmpty(s.log));
    for (std::string line; std::getline(lines, line);)
      if (line.find(needle) != std::string::npos) return line;
    if (s.reaped || Clock::now() >= end) return "";
    // Wakes early when the run ends; then one last look at the log.
    if (s.Exited(std::chrono::milliseconds(10))) {
      s.Reap();
    }
  }
}

StraceRun StraceProcess::Wait() {
  State& s = *state_;
  StraceRun run;
  for (;;) {
    if (s.reaped) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        s.started + s.deadline - Clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      kill(-s.pid, SIGKILL);
      break;
    }
    if (s.Exited(left)) break;
  }
  s.Reap();
  kill(-s.pid, SIGKILL);  // tracees strace left behind (killed with it)
  run.result.exit_code =
      WIFEXITED(s.status) ? WEXITSTATUS(s.status) : 128 + WTERMSIG(s.status);
  run.result.out = ReadFileOrEmpty(s.dir / "stdout");
  run.result.err = ReadFileOrEmpty(s.dir / "stderr");
  run.trace = ReadFileOrEmpty(s.log);
  if (run.trace.empty() && !std::filesystem::exists(s.log)) {
    throw std::runtime_error("strace did not run: " + run.result.Describe());
  }
  std::istringstream lines(run.trace);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("+++ killed by SIGKILL") != std::string::npos) ++run.killed;
    if (line.find("(INJECTED)") != std::string::npos) ++run.errors_injected;
  }
  if (run.timed_out) {
    run.result.err +=
        "\n[RunUnderStrace: still running after " +
        std::to_string(s.deadline.count()) +
        " ms; killed. Tail of the trace:]\n" +
        run.trace.substr(run.trace.size() > 2000 ? run.trace.size() - 2000 : 0);
  }
  return run;
}

pid_t StraceProcess::PidOf(const std::string& trace_line) {
  pid_t pid = 0;
  size_t i = 0;
  while (i < trace_line.size() && trace_line[i] >= '0' &&
         trace_line[i] <= '9') {
    pid = pid * 10 + (trace_line[i] - '0');
    ++i;
  }
  return i > 0 && i < trace_line.size() && trace_line[i] == ' ' ? pid : 0;
}

std::string StraceBinary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/strace";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "strace not found in PATH: install the Debian package strace "
      "(scripts/deps does)");
}

StraceRun RunUnderStrace(const std::vector<std::string>& argv,
                         const StraceInjection& injection,
                         const std::map<std::string, std::string>& env) {
  return StraceProcess(argv, injection, env).Wait();
}

}  // namespace certpilot::testing
