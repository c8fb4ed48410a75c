// flock(2) locks on files, the one mechanism behind every lock certpilot
// takes (docs/ARCHITECTURE.md, Storage):
//  - the tree lock CONFIG/.certpilot.lock: shared by every run that works
//    lineage by lineage, exclusive for a run that rewrites the whole tree
//    (import-certbot);
//  - one lock per lineage (CONFIG/.certpilot.locks/NAME), exclusive, held
//    while a run may change that lineage;
//  - short locks for what lineages share (CONFIG/.certpilot.locks/.accounts,
//    .nginx).
// So a `certonly` for a new name proceeds while a long `renew` runs, and two
// `renew` runs split the lineages between them instead of one refusing.
//
// flock rather than fcntl locks: a flock belongs to the open file
// description, so closing some other descriptor of the same file elsewhere in
// the process does not silently drop it, and two FileLocks in one process
// exclude each other just as two processes do. The kernel drops it when the
// holder dies, SIGKILL included: a crashed run never leaves a stale lock.
// (certbot's own .certbot.lock is an fcntl lock on a different file; the two
// tools do not exclude each other.)
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "sys/sys_error.h"

namespace certpilot::sys {

// The lock is held elsewhere (and stayed so for as long as we were willing
// to wait). what() reads "SUBJECT (pid N holds PATH)", or "(pid unknown
// holds PATH)" when the holder has not recorded its pid (shared holders
// never do), followed by `advice` (e.g. "; pass --lock-wait ...").
class LockBusyError : public SysError {
 public:
  LockBusyError(const std::string& lock_path, pid_t holder_pid,
                const std::string& subject, const std::string& advice = "");
  // 0 when unknown.
  pid_t holder_pid() const { return holder_pid_; }

 private:
  pid_t holder_pid_;
};

enum class LockMode { kExclusive, kShared };

class FileLock {
 public:
  // Creates `path` (mode 0600) if missing — its directory must exist — and
  // takes the lock. With `wait` zero, does not wait at all; otherwise polls
  // until the lock is free or `wait` has passed. An exclusive holder
  // records getpid() in the file; a shared holder empties it (so no stale
  // pid is reported for it). Throws LockBusyError (with `subject` and
  // `advice`) if still held elsewhere, SysError on other failures.
  FileLock(const std::string& path, LockMode mode,
           std::chrono::milliseconds wait, const std::string& subject,
           const std::string& advice = "");
  // Releases the lock (by closing). The file stays: unlinking it would let a
  // third process lock a fresh inode while a second still waits on the old.
  ~FileLock();

  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace certpilot::sys
