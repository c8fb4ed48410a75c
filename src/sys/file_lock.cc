#include "sys/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <thread>
#include <utility>

namespace certpilot::sys {
namespace {

constexpr std::chrono::milliseconds kRetryInterval{50};

// Opens the lock file, creating it with exactly 0600 if it is new. An
// existing file's mode is left alone (it may have been set on purpose).
int OpenLockFile(const std::string& path) {
  int fd = ::open(path.c_str(),
                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (::fchmod(fd, 0600) != 0) {
      int err = errno;
      ::close(fd);
      throw SysError("setting mode of", path, err);
    }
    return fd;
  }
  if (errno != EEXIST) throw SysError("creating", path, errno);
  fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw SysError("opening", path, errno);
  return fd;
}

pid_t ReadHolderPid(int fd) {
  char buf[32];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(buf, buf + n, pid);
  if (ec != std::errc() || pid <= 0) return 0;
  return pid;
}

}  // namespace

LockBusyError::LockBusyError(const std::string& lock_path, pid_t holder_pid,
                             const std::string& subject,
                             const std::string& advice)
    : SysError("locking", lock_path, EWOULDBLOCK,
               subject + " (pid " +
                   (holder_pid > 0 ? std::to_string(holder_pid)
                                   : std::string("unknown")) +
                   " holds " + lock_path + ")" + advice),
      holder_pid_(holder_pid) {}

FileLock::FileLock(const std::string& path, LockMode mode,
                   std::chrono::milliseconds wait, const std::string& subject,
                   const std::string& advice)
    : path_(path), fd_(OpenLockFile(path_)) {
  const int op = mode == LockMode::kExclusive ? LOCK_EX : LOCK_SH;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  // flock has no timeout of its own: try without blocking, and while the
  // lock is held elsewhere and time remains, pause and try again.
  int err = 0;
  while (::flock(fd_, op | LOCK_NB) != 0) {
    err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(kRetryInterval);
    err = 0;
  }
  if (err != 0) {
    pid_t holder = err == EWOULDBLOCK ? ReadHolderPid(fd_) : 0;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) throw LockBusyError(path_, holder, subject, advice);
    throw SysError("locking", path_, err);
  }
  std::string pid = mode == LockMode::kExclusive
                        ? std::to_string(::getpid()) + "\n"
                        : std::string();
  if (::ftruncate(fd_, 0) != 0 ||
      (!pid.empty() && ::pwrite(fd_, pid.data(), pid.size(), 0) !=
                           static_cast<ssize_t>(pid.size()))) {
    err = errno;
    ::close(fd_);
    fd_ = -1;
    throw SysError("writing", path_, err);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

FileLock::FileLock(FileLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace certpilot::sys
