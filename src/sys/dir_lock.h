// One certpilot per configuration directory: an exclusive, non-blocking
// flock(2) on DIR/.certpilot.lock, held for the lifetime of a DirLock.
//
// flock rather than fcntl locks: a flock belongs to the open file
// description, so closing some other descriptor of the same file elsewhere in
// the process does not silently drop it, and two DirLocks in one process
// exclude each other just as two processes do. (certbot's own
// .certbot.lock is an fcntl lock on a different file; the two tools do not
// exclude each other.)
#pragma once

#include <sys/types.h>

#include <string>

#include "sys/sys_error.h"

namespace certpilot::sys {

// Another process (or DirLock) holds the lock. what() reads "another
// certpilot is already running (pid N holds DIR/.certpilot.lock)"; when the
// holder has not yet recorded its pid, "(pid unknown holds ...)".
class LockBusyError : public SysError {
 public:
  LockBusyError(const std::string& lock_path, pid_t holder_pid);
  // 0 when unknown.
  pid_t holder_pid() const { return holder_pid_; }

 private:
  pid_t holder_pid_;
};

class DirLock {
 public:
  // REQUIRES: `dir` exists. Creates DIR/.certpilot.lock (mode 0600) if
  // missing, takes the lock without waiting and records getpid() in the
  // file. Throws LockBusyError if held elsewhere, SysError on other failures.
  explicit DirLock(const std::string& dir);
  // Releases the lock (by closing). The file stays: unlinking it would let a
  // third process lock a fresh inode while a second still waits on the old.
  ~DirLock();

  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  DirLock(DirLock&& other) noexcept;
  DirLock& operator=(DirLock&& other) noexcept;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace certpilot::sys
