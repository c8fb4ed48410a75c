#include "support/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "support/temp_dir.h"
#include "util/clock.h"
#include "util/poll.h"

extern char** environ;

namespace certpilot::testing {
namespace {

constexpr std::chrono::milliseconds kStopPoll{10};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "stopped";
}

// Reaps `pid` if it has ended; true then (and sets *status).
bool Reaped(pid_t pid, int* status) {
  pid_t r;
  do {
    r = ::waitpid(pid, status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  return r == pid || (r < 0 && errno == ECHILD);
}

}  // namespace

Daemon::~Daemon() { Stop(); }

void Daemon::Start(DaemonSpec spec) {
  Stop();
  spec_ = std::move(spec);
  std::vector<char*> argv;
  for (std::string& a : spec_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (spec_.env) {
    for (std::string& e : *spec_.env) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  char* const* env = spec_.env ? envp.data() : environ;
  // Built before fork: the child may only make async-signal-safe calls.
  const std::string exec_failed =
      spec_.name + ": cannot execute " + spec_.argv.at(0) + "\n";

  const int log_fd = ::open(
      spec_.log_path.c_str(),
      O_WRONLY | O_CREAT | O_CLOEXEC | (spec_.append_log ? O_APPEND : O_TRUNC),
      0644);
  if (log_fd < 0) {
    throw std::runtime_error("creating " + spec_.log_path + ": " +
                             std::strerror(errno));
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    const int saved = errno;
    ::close(log_fd);
    throw std::runtime_error(std::string("opening /dev/null: ") +
                             std::strerror(saved));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(126);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) {
      ::signal(sig, SIG_DFL);
    }
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 ||
        ::dup2(log_fd, 2) < 0) {
      ::_exit(126);
    }
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv.data(), env);
    [[maybe_unused]] ssize_t ignored =
        ::write(2, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    throw std::runtime_error("fork for " + spec_.name + ": " +
                             std::strerror(fork_errno));
  }
  pid_ = pid;
}

std::optional<std::string> Daemon::Ended() {
  if (pid_ <= 0) return "not started";
  int status = 0;
  if (!Reaped(pid_, &status)) return std::nullopt;
  pid_ = -1;
  return DescribeStatus(status);
}

std::string Daemon::LogTail(std::size_t max_bytes) const {
  return "--- " + spec_.log_path + " ---\n" +
         ReadTail(spec_.log_path, max_bytes);
}

void Daemon::Stop() { StopAll({this}); }

void StopAll(const std::vector<Daemon*>& daemons) {
  std::chrono::milliseconds timeout{0};
  for (Daemon* d : daemons) {
    if (d->pid_ <= 0) continue;
    ::kill(d->pid_, SIGTERM);
    timeout = std::max(timeout, d->spec_.stop_timeout);
  }
  SystemClock clock;
  PollUntil(clock, clock.Now() + timeout, {kStopPoll}, [&] {
    bool all_ended = true;
    for (Daemon* d : daemons) {
      if (d->pid_ > 0 && !d->Ended()) all_ended = false;
    }
    return all_ended;
  });
  for (Daemon* d : daemons) {
    if (d->pid_ <= 0) continue;
    ::kill(d->pid_, SIGKILL);
    int status;
    while (::waitpid(d->pid_, &status, 0) < 0 && errno == EINTR) {
    }
    d->pid_ = -1;
  }
}

Startup AwaitReady(const std::vector<Daemon*>& daemons,
                   const Readiness& readiness) {
  auto logs = [&] {
    if (readiness.logs) return readiness.logs();
    std::string all;
    for (const Daemon* d : daemons)
      all += (all.empty() ? "" : "\n") + d->LogTail();
    return all;
  };
  auto port_taken = [&](const std::string& text) {
    return !readiness.port_taken.empty() &&
           Lower(text).find(Lower(readiness.port_taken)) != std::string::npos;
  };
  std::optional<Startup> outcome;
  SystemClock clock;
  const bool done = PollUntil(
      clock, clock.Now() + readiness.timeout, {readiness.interval}, [&] {
        for (Daemon* d : daemons) {
          if (std::optional<std::string> ended = d->Ended()) {
            const std::string text = logs();
            StopAll(daemons);
            if (port_taken(text)) {
              outcome = Startup::kPortTaken;
              return true;
            }
            throw std::runtime_error(readiness.owner + ": " + d->spec().name +
                                     " " + *ended + " during startup\n" + text);
          }
        }
        if (readiness.ready()) {
          outcome = Startup::kReady;
          return true;
        }
        for (const Daemon* d : daemons) {
          if (port_taken(ReadTail(d->spec().log_path, 100000))) {
            StopAll(daemons);
            outcome = Startup::kPortTaken;
            return true;
          }
        }
        return false;
      });
  if (done) return *outcome;
  const std::string text = logs();
  StopAll(daemons);
  std::string names;
  for (const Daemon* d : daemons)
    names += (names.empty() ? "" : " and ") + d->spec().name;
  throw std::runtime_error(
      readiness.owner + ": " + names + " did not come up within " +
      std::to_string(readiness.timeout.count()) + " ms" +
      (readiness.missing ? " (" + readiness.missing() + ")" : "") + "\n" +
      text);
}

void RetryPortRaces(const std::string& owner, const std::string& what,
                    const std::function<Startup()>& start,
                    const std::function<std::string()>& logs, int attempts) {
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (start() == Startup::kReady) return;
  }
  throw std::runtime_error(owner + ": could not start " + what +
                           ": lost the race for a port " +
                           std::to_string(attempts) + " times\n" + logs());
}

void RequirePrograms(const std::string& owner,
                     const std::vector<std::string>& programs,
                     const std::string& not_installed) {
  for (const std::string& program : programs) {
    if (::access(program.c_str(), X_OK) != 0) {
      throw std::runtime_error(owner + ": " + not_installed + " (" + program +
                               " not found)");
    }
  }
}

pid_t LivePidInFile(const std::string& pid_file) {
  const pid_t pid =
      static_cast<pid_t>(std::atol(ReadFileOrEmpty(pid_file).c_str()));
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM) ? pid : -1;
}

void EndStrayServer(pid_t pid) {
  if (pid <= 0) return;
  const auto gone = [pid] {
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
    }  // reaps it if it is our child
    return ::kill(pid, 0) != 0 && errno == ESRCH;
  };
  ::kill(pid, SIGTERM);
  SystemClock clock;
  PollUntil(clock, clock.Now() + std::chrono::seconds(10),
            {std::chrono::milliseconds(10)}, gone);
  if (!gone()) ::kill(pid, SIGKILL);
}

void StartOrStop(const std::function<void()>& start,
                 const std::function<void()>& stop) {
  try {
    start();
  } catch (...) {
    stop();
    throw;
  }
}

std::map<std::string, std::string> CurrentEnvironment(
    const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : overrides) env[k] = v;
  return env;
}

std::vector<std::string> EnvironmentEntries(
    const std::map<std::string, std::string>& env) {
  std::vector<std::string> entries;
  for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
  return entries;
}

std::string ReadTail(const std::string& path, std::size_t max_bytes) {
  if (::access(path.c_str(), F_OK) != 0) return "(no log at " + path + ")";
  std::string all = ReadFileOrEmpty(path);
  if (all.size() > max_bytes) all = "..." + all.substr(all.size() - max_bytes);
  return all;
}

}  // namespace certpilot::testing
