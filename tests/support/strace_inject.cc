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

#include "support/temp_dir.h"

extern char** environ;

namespace certpilot::testing {
namespace {

// Runs argv in a process group of its own with stdin from /dev/null and
// stdout/stderr into files; SIGKILLs the whole group if it has not ended
// by `deadline`. Returns the exit status as RunResult does.
int RunWithDeadline(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env,
                    const std::string& out_path, const std::string& err_path,
                    std::chrono::milliseconds deadline, bool* timed_out) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings, args = argv;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {  // only async-signal-safe calls from here to execve
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
  setpgid(pid, pid);  // also from here: no race with kill(-pid) below
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  *timed_out = false;
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        *timed_out = true;
        break;
      }
      int ready = poll(&p, 1, static_cast<int>(left.count()));
      if (ready > 0) break;
      if (ready < 0 && errno != EINTR) break;
    }
    close(pidfd);
  }
  if (*timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (*timed_out) kill(-pid, SIGKILL);  // tracees strace left behind
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

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
  TempDir dir;
  const std::string log = dir / "strace.log";
  std::vector<std::string> specs = injection.also;
  if (!injection.syscall.empty()) {
    specs.insert(specs.begin(), injection.syscall + ":" + injection.action +
                                    ":when=" + std::to_string(injection.when));
  }
  if (specs.empty()) throw std::runtime_error("RunUnderStrace: nothing to inject");
  std::string traced;
  for (const std::string& spec : specs)
    traced += (traced.empty() ? "" : ",") + spec.substr(0, spec.find(':'));
  // -y: descriptors with their paths, so a failure message can tell a
  // file from a pipe or a socket.
  std::vector<std::string> args{StraceBinary(), "-f", "-qq", "-y", "-o", log,
                                "-e", "trace=" + traced};
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

  // Sanitizer builds: LeakSanitizer cannot work under ptrace, and a report
  // goes to stderr (where the test sees it, with the exit status) rather
  // than to a log_path file, where a sanitizer runtime that an injected
  // fault kept from starting would read as a report of a bug.
  std::map<std::string, std::string> full_env = env;
  for (const auto& [var, extra] :
       {std::pair<const char*, const char*>{"ASAN_OPTIONS", "detect_leaks=0:log_path=stderr"},
        {"UBSAN_OPTIONS", "log_path=stderr"}}) {
    if (full_env.count(var)) continue;
    const char* now = std::getenv(var);
    full_env[var] = std::string(now && *now ? std::string(now) + ":" : "") + extra;
  }

  StraceRun run;
  run.result.exit_code = RunWithDeadline(args, full_env, dir / "stdout", dir / "stderr",
                                         injection.deadline, &run.timed_out);
  run.result.out = ReadFileOrEmpty(dir / "stdout");
  run.result.err = ReadFileOrEmpty(dir / "stderr");
  run.trace = ReadFileOrEmpty(log);
  if (run.trace.empty() && !std::filesystem::exists(log)) {
    throw std::runtime_error("strace did not run: " + run.result.Describe());
  }
  std::istringstream lines(run.trace);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("+++ killed by SIGKILL") != std::string::npos) ++run.killed;
    if (line.find("(INJECTED)") != std::string::npos) ++run.errors_injected;
  }
  if (run.timed_out) {
    run.result.err += "\n[RunUnderStrace: still running after " +
                      std::to_string(injection.deadline.count()) +
                      " ms; killed. Tail of the trace:]\n" +
                      run.trace.substr(run.trace.size() > 2000 ? run.trace.size() - 2000 : 0);
  }
  return run;
}

}  // namespace certpilot::testing
