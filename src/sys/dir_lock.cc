#include "sys/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>

#include "sys/filesystem.h"

namespace certpilot::sys {
namespace {

constexpr char kLockFileName[] = ".certpilot.lock";

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

LockBusyError::LockBusyError(const std::string& lock_path, pid_t holder_pid)
    : SysError("locking", lock_path, EWOULDBLOCK,
               "another certpilot is already running (pid " +
                   (holder_pid > 0 ? std::to_string(holder_pid)
                                   : std::string("unknown")) +
                   " holds " + lock_path + ")"),
      holder_pid_(holder_pid) {}

DirLock::DirLock(const std::string& dir)
    : path_(JoinPath(dir, kLockFileName)), fd_(OpenLockFile(path_)) {
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    pid_t holder = err == EWOULDBLOCK ? ReadHolderPid(fd_) : 0;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) throw LockBusyError(path_, holder);
    throw SysError("locking", path_, err);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) !=
                                      static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw SysError("writing", path_, err);
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

DirLock::DirLock(DirLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace certpilot::sys
