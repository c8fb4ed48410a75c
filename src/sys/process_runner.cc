#include "sys/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "util/strings.h"

#if !defined(__GLIBC__) || !__GLIBC_PREREQ(2, 34)
#error "needs glibc >= 2.34 (posix_spawn_file_actions_addclosefrom_np)"
#endif

extern char** environ;

namespace certpilot::sys {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How much one read() or write() moves.
constexpr std::size_t kChunk = 64 * 1024;
// After the child exited, how much more a stream is drained before giving
// up on a background process that keeps writing into it.
constexpr std::size_t kDrainLimit = 4 * 1024 * 1024;
// Only without pidfd (kernels before 5.3): how often to look for the exit.
constexpr std::chrono::milliseconds kExitPollInterval{10};

// pidfd_open(2) through syscall(2): glibc 2.36's <sys/pidfd.h> lacks
// extern "C" (fixed in 2.37), so its wrapper cannot be linked from C++.
int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string ErrnoText(int error_code) { return std::strerror(error_code); }

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read_end, write_end;
};

// Moves `fd` to a number >= 3 (close-on-exec), so that dup2 onto 0-2 in the
// child never meets one of our own pipe ends, even when certpilot itself
// was started with 0-2 closed.
Fd AboveStdio(Fd fd, const std::string& program) {
  if (fd.get() > STDERR_FILENO) return fd;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) {
    throw ProcessError(program, "creating a pipe: " + ErrnoText(errno), errno);
  }
  return Fd(moved);
}

// Both ends close-on-exec; the child's end is dup2-ed onto 0, 1 or 2 (which
// clears the flag there), so no other child can inherit either end.
// `parent_reads` tells which end certpilot keeps.
Pipe MakePipe(const std::string& program, bool parent_reads) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw ProcessError(program, "creating a pipe: " + ErrnoText(errno), errno);
  }
  Pipe p{Fd(fds[0]), Fd(fds[1])};
  p.read_end = AboveStdio(std::move(p.read_end), program);
  p.write_end = AboveStdio(std::move(p.write_end), program);
  // Only certpilot's end is non-blocking: O_NONBLOCK belongs to the open
  // file description, and the child must see an ordinary blocking pipe.
  int ours = parent_reads ? p.read_end.get() : p.write_end.get();
  int flags = ::fcntl(ours, F_GETFL);
  if (flags < 0 || ::fcntl(ours, F_SETFL, flags | O_NONBLOCK) != 0) {
    throw ProcessError(program, "creating a pipe: " + ErrnoText(errno), errno);
  }
  return p;
}

bool HasNul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

void Validate(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    throw ProcessError("", "argv is empty", EINVAL);
  }
  const std::string& program = spec.argv[0];
  for (std::size_t i = 0; i < spec.argv.size(); ++i) {
    if (HasNul(spec.argv[i])) {
      throw ProcessError(
          program, "argument " + std::to_string(i) + " contains a NUL byte",
          EINVAL);
    }
  }
  for (const auto& [name, value] : spec.env_add) {
    if (name.empty() || name.find('=') != std::string::npos || HasNul(name) ||
        HasNul(value)) {
      throw ProcessError(
          program,
          "invalid environment variable \"" + StripControl(name) + "\"",
          EINVAL);
    }
  }
  if (HasNul(spec.working_dir)) {
    throw ProcessError(program, "working directory contains a NUL byte",
                       EINVAL);
  }
}

// certpilot's environment, minus env_remove, kSecretEnvironment and the
// names in env_add, plus env_add. Inherited order is kept.
std::vector<std::string> BuildEnvironment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;  // malformed: drop
    std::string name(kv.substr(0, eq));
    if (spec.env_add.count(name) != 0 ||
        std::find(spec.env_remove.begin(), spec.env_remove.end(), name) !=
            spec.env_remove.end() ||
        std::find(std::begin(kSecretEnvironment), std::end(kSecretEnvironment),
                  name) != std::end(kSecretEnvironment)) {
      continue;
    }
    env.emplace_back(kv);
  }
  for (const auto& [name, value] : spec.env_add) {
    env.push_back(name + "=" + value);
  }
  return env;
}

std::string SearchPath(const std::vector<std::string>& env) {
  for (const std::string& kv : env) {
    if (StartsWith(kv, "PATH=")) return kv.substr(5);
  }
  std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
  if (n == 0) return "/bin:/usr/bin";
  std::string path(n, '\0');
  ::confstr(_CS_PATH, path.data(), n);
  path.resize(n - 1);
  return path;
}

// True if `path` (relative to `dir_fd`) is a regular file we may execute;
// otherwise false with errno-style `*error` set.
bool IsExecutableFile(int dir_fd, const std::string& path, int* error) {
  struct stat st;
  if (::fstatat(dir_fd, path.c_str(), &st, 0) != 0) {
    *error = errno;
    return false;
  }
  if (!S_ISREG(st.st_mode) ||
      ::faccessat(dir_fd, path.c_str(), X_OK, AT_EACCESS) != 0) {
    *error = EACCES;
    return false;
  }
  return true;
}

// The path posix_spawn should execute for argv[0], resolved as execvp does
// but against the child's PATH and working directory. Throws ProcessError
// (ENOENT, or EACCES if only unusable candidates were found).
std::string ResolveProgram(const std::string& program,
                           const std::vector<std::string>& env, int dir_fd) {
  if (program.find('/') != std::string::npos) {
    int error = 0;
    if (!IsExecutableFile(dir_fd, program, &error)) {
      throw ProcessError(program, ErrnoText(error), error);
    }
    return program;
  }
  bool saw_eacces = false;
  for (const std::string& dir : Split(SearchPath(env), ':')) {
    // An empty entry means the working directory (historical, as execvp).
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    int error = 0;
    if (IsExecutableFile(dir_fd, candidate, &error)) return candidate;
    if (error == EACCES) saw_eacces = true;
  }
  int error = saw_eacces ? EACCES : ENOENT;
  throw ProcessError(program, ErrnoText(error), error);
}

// RAII for the posix_spawn attribute objects.
class SpawnSetup {
 public:
  explicit SpawnSetup(const std::string& program) : program_(program) {
    Check(::posix_spawn_file_actions_init(&actions_));
    int rc = ::posix_spawnattr_init(&attr_);
    if (rc != 0) {
      ::posix_spawn_file_actions_destroy(&actions_);
      Check(rc);
    }
  }
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attr_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  void Check(int rc) const {
    if (rc != 0) {
      throw ProcessError(program_, "preparing to start: " + ErrnoText(rc), rc);
    }
  }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  const std::string& program_;
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Blocks SIGPIPE in the calling thread for its lifetime, so a write to a
// pipe whose reader is gone fails with EPIPE instead of killing certpilot.
// A SIGPIPE that such a write left pending is consumed before unblocking;
// one that was already pending before is left alone.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    ::sigemptyset(&pipe_set_);
    ::sigaddset(&pipe_set_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
    sigset_t pending;
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    if (saw_epipe_ && !was_pending_) {
      struct timespec zero = {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

  void NoteEpipe() { saw_epipe_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool saw_epipe_ = false;
};

// Owns the started child until it is reaped. If Run leaves early (an
// exception), the whole group is killed and the child reaped: no zombies,
// no orphans.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {
    int fd = PidfdOpen(pid);
    if (fd >= 0) pidfd_ = Fd(fd);  // else: an old kernel; we poll waitid
  }
  ~Child() {
    if (pid_ > 0) {
      KillGroup(SIGKILL);
      Reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  const Fd& pidfd() const { return pidfd_; }

  // The child leads its own group (POSIX_SPAWN_SETPGROUP with 0), and until
  // it is reaped its pid, and so the group id, cannot be reused.
  void KillGroup(int sig) const { ::kill(-pid_, sig); }

  // True once the child has exited; it stays unreaped (WNOWAIT).
  bool HasExited() const {
    siginfo_t info;
    info.si_pid = 0;
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info,
                    WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno != EINTR) return true;  // ECHILD: someone else reaped it
    }
    return info.si_pid != 0;
  }

  // Waits for the exit and returns the wait status; nullopt if someone
  // else reaped the child (SIGCHLD ignored, or a stray waitpid(-1)).
  std::optional<int> Reap() {
    int status = 0;
    pid_t rc;
    do {
      rc = ::waitpid(pid_, &status, 0);
    } while (rc < 0 && errno == EINTR);
    pid_ = -1;
    if (rc < 0) return std::nullopt;
    return status;
  }

 private:
  pid_t pid_;
  Fd pidfd_;
};

SteadyClock::time_point SaturatingAdd(SteadyClock::time_point t,
                                      std::chrono::milliseconds d) {
  if (d <= std::chrono::milliseconds::zero()) return t;
  auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
      SteadyClock::time_point::max() - t);
  return d >= room ? SteadyClock::time_point::max()
                   : t + std::chrono::duration_cast<SteadyClock::duration>(d);
}

// poll(2)'s timeout for waiting until `limit`, rounded up so we never spin.
int PollTimeoutMs(SteadyClock::time_point now, SteadyClock::time_point limit) {
  if (limit <= now) return 0;
  if (limit == SteadyClock::time_point::max()) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(limit - now).count();
  return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
}

// One of the child's output streams.
struct Output {
  enum class Read { kData, kWouldBlock, kClosed };

  Fd fd;
  std::string* text;
  std::size_t limit;
  bool* truncated;

  // One read(); at end of file (or on an error) the stream is closed.
  Read ReadSome(std::size_t* bytes = nullptr) {
    std::array<char, kChunk> buf;
    ssize_t n;
    do {
      n = ::read(fd.get(), buf.data(), buf.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return Read::kWouldBlock;
    if (n <= 0) {
      fd.Reset();
      return Read::kClosed;
    }
    std::size_t got = static_cast<std::size_t>(n);
    std::size_t room = limit > text->size() ? limit - text->size() : 0;
    if (got > room) *truncated = true;
    text->append(buf.data(), std::min(got, room));
    if (bytes != nullptr) *bytes = got;
    return Read::kData;
  }

  // Reads what is already in the pipe without waiting, then closes. A
  // background process that keeps writing is cut off after kDrainLimit.
  void Drain() {
    std::size_t drained = 0;
    while (fd.valid()) {
      if (drained >= kDrainLimit) {
        *truncated = true;
        break;
      }
      std::size_t got = 0;
      if (ReadSome(&got) != Read::kData) break;
      drained += got;
    }
    fd.Reset();
  }
};

std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev
                           : "signal " + std::to_string(sig);
}

}  // namespace

std::string ProcessResult::Describe() const {
  std::string how = signal != 0
                        ? "killed by " + SignalName(signal)
                        : "exited with status " + std::to_string(exit_code);
  if (!timed_out) return how;
  return signal != 0 ? "timed out and was " + how : "timed out, then " + how;
}

std::string PrintedOutput(const ProcessResult& r) {
  std::string text = std::string(Trim(r.err));
  const std::string out = std::string(Trim(r.out));
  if (!out.empty()) text += (text.empty() ? "" : "\n") + out;
  std::string clean;
  for (const std::string& line : Split(text, '\n')) {
    if (!clean.empty()) clean += "\n";
    clean += StripControl(line);
  }
  return clean;
}

ProcessError::ProcessError(const std::string& program,
                           const std::string& reason, int error_code)
    : Error("cannot run " +
            (program.empty() ? std::string("\"\"") : StripControl(program)) +
            ": " + reason),
      program_(program),
      error_code_(error_code) {}

ProcessSpec ShellCommand(const std::string& command) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", command};
  return spec;
}

ProcessResult PosixProcessRunner::Run(const ProcessSpec& spec) {
  Validate(spec);
  const std::string& program = spec.argv[0];

  std::vector<std::string> env = BuildEnvironment(spec);

  // The working directory is opened here, so that a bad one is reported as
  // such (and the child's fchdir cannot fail for a path reason).
  Fd dir;
  if (!spec.working_dir.empty()) {
    int fd = ::open(spec.working_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      throw ProcessError(program,
                         "working directory " + StripControl(spec.working_dir) +
                             ": " + ErrnoText(error),
                         error);
    }
    dir = Fd(fd);
  }
  const std::string path =
      ResolveProgram(program, env, dir.valid() ? dir.get() : AT_FDCWD);

  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv_ptrs, env_ptrs;
  for (std::string& a : args) argv_ptrs.push_back(a.data());
  argv_ptrs.push_back(nullptr);
  for (std::string& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);

  const bool feed_stdin = !spec.stdin_data.empty();
  Pipe in;
  if (feed_stdin) in = MakePipe(program, /*parent_reads=*/false);
  Pipe out = MakePipe(program, /*parent_reads=*/true);
  Pipe err = MakePipe(program, /*parent_reads=*/true);

  SpawnSetup setup(program);
  if (feed_stdin) {
    setup.Check(::posix_spawn_file_actions_adddup2(
        setup.actions(), in.read_end.get(), STDIN_FILENO));
  } else {
    setup.Check(::posix_spawn_file_actions_addopen(
        setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0));
  }
  setup.Check(::posix_spawn_file_actions_adddup2(
      setup.actions(), out.write_end.get(), STDOUT_FILENO));
  setup.Check(::posix_spawn_file_actions_adddup2(
      setup.actions(), err.write_end.get(), STDERR_FILENO));
  if (dir.valid()) {
    setup.Check(
        ::posix_spawn_file_actions_addfchdir_np(setup.actions(), dir.get()));
  }
  // Everything but 0-2 goes, including descriptors other threads opened
  // without O_CLOEXEC.
  setup.Check(::posix_spawn_file_actions_addclosefrom_np(setup.actions(),
                                                         STDERR_FILENO + 1));
  setup.Check(::posix_spawnattr_setflags(
      setup.attr(),
      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  setup.Check(::posix_spawnattr_setpgroup(setup.attr(), 0));
  sigset_t none, all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  setup.Check(::posix_spawnattr_setsigmask(setup.attr(), &none));
  setup.Check(::posix_spawnattr_setsigdefault(setup.attr(), &all));

  // glibc's posix_spawn returns only after the child has exec'd (or
  // reports why it could not), so exec failures arrive here as errors, and
  // the child is already in its own process group when we get its pid.
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path.c_str(), setup.actions(), setup.attr(),
                         argv_ptrs.data(), env_ptrs.data());
  if (rc != 0) throw ProcessError(program, ErrnoText(rc), rc);
  Child child(pid);

  in.read_end.Reset();
  out.write_end.Reset();
  err.write_end.Reset();
  dir.Reset();

  ProcessResult result;
  result.exit_code = -1;
  std::array<Output, 2> outputs = {
      Output{std::move(out.read_end), &result.out, spec.max_output_bytes,
             &result.truncated},
      Output{std::move(err.read_end), &result.err, spec.max_output_bytes,
             &result.truncated}};
  Fd& stdin_fd = in.write_end;
  std::size_t stdin_written = 0;

  ScopedSigpipeBlock sigpipe_blocked;
  SteadyClock::time_point now = SteadyClock::now();
  const SteadyClock::time_point deadline = SaturatingAdd(now, spec.timeout);
  SteadyClock::time_point kill_at = SteadyClock::time_point::max();
  bool exited = false;

  while (!exited) {
    // Slots: 0 stdin, 1 stdout, 2 stderr, 3 pidfd; -1 fds are ignored.
    std::array<pollfd, 4> fds = {{
        {stdin_fd.get(), POLLOUT, 0},
        {outputs[0].fd.get(), POLLIN, 0},
        {outputs[1].fd.get(), POLLIN, 0},
        {child.pidfd().get(), POLLIN, 0},
    }};
    SteadyClock::time_point limit = result.timed_out ? kill_at : deadline;
    int wait_ms = PollTimeoutMs(now, limit);
    if (spec.cancel != nullptr && !result.timed_out) {
      constexpr int kCancelPollMs = 100;
      wait_ms = wait_ms < 0 ? kCancelPollMs : std::min(wait_ms, kCancelPollMs);
    }
    if (!child.pidfd().valid()) {
      int interval = static_cast<int>(kExitPollInterval.count());
      wait_ms = wait_ms < 0 ? interval : std::min(wait_ms, interval);
    }
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) {
      throw ProcessError(program, "waiting for it: " + ErrnoText(errno), errno);
    }
    if (ready > 0) {
      if (fds[0].revents != 0) {
        std::size_t n =
            std::min(kChunk, spec.stdin_data.size() - stdin_written);
        ssize_t w =
            ::write(stdin_fd.get(), spec.stdin_data.data() + stdin_written, n);
        if (w > 0) {
          stdin_written += static_cast<std::size_t>(w);
          if (stdin_written == spec.stdin_data.size()) stdin_fd.Reset();
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
          // EPIPE: the child does not want (the rest of) its input.
          if (errno == EPIPE) sigpipe_blocked.NoteEpipe();
          stdin_fd.Reset();
        }
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[1 + i].revents != 0) outputs[i].ReadSome();
      }
      if (fds[3].revents != 0) exited = true;
    }
    if (!child.pidfd().valid() && !exited) exited = child.HasExited();

    now = SteadyClock::now();
    if (exited) break;
    const bool cancelled = spec.cancel != nullptr && spec.cancel->load();
    if (!result.timed_out && (now >= deadline || cancelled)) {
      result.timed_out = true;
      child.KillGroup(SIGTERM);
      kill_at = SaturatingAdd(now, spec.kill_grace);
    } else if (result.timed_out && now >= kill_at) {
      break;
    }
  }
  if (result.timed_out) {
    // Also reaches group members that outlived a leader which obeyed
    // SIGTERM; the leader is not reaped yet, so the group id is still ours.
    child.KillGroup(SIGKILL);
  }
  stdin_fd.Reset();
  for (Output& o : outputs) o.Drain();

  std::optional<int> reaped = child.Reap();
  if (!reaped) {
    throw ProcessError(program, "its exit status was lost (reaped elsewhere)",
                       ECHILD);
  }
  int status = *reaped;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace certpilot::sys
