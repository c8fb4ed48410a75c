// The log file (LOGS/certpilot.log): appended to, rotated by size, never
// readable by others. A log::Sink (util/log.h).
//
// Rotation follows Python's RotatingFileHandler as certbot uses it (1 MiB,
// --max-log-backups): when a write would take a non-empty file past
// max_bytes, NAME.(N-1) becomes NAME.N, ...,
// NAME becomes NAME.1, and a new NAME is started; at most max_backups old
// files are kept (the oldest is overwritten). max_backups 0 never rotates:
// the one file grows (certbot's --max-log-backups 0). A single write larger
// than max_bytes still goes into one file.
//
// Not behind sys::Filesystem: the log is a side channel whose appends need
// no fsync and must never fail a run, and the fault-injecting filesystem of
// the crash-safety tests must not count them.
//
// Not thread-safe: log:: serialises the calls. Two processes may append to
// one file (O_APPEND keeps their lines whole); before rotating, a writer
// checks that NAME is still the file it has open, and merely reopens NAME
// when another process has rotated it already.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sys/sys_error.h"
#include "util/log.h"

namespace certpilot::sys {

struct LogFileOptions {
  std::string path;                   // LOGS/certpilot.log
  std::uint64_t max_bytes = 1 << 20;  // rotate before passing this size
  int max_backups = 10;  // NAME.1 .. NAME.max_backups; 0: no rotation
};

class RotatingLogFile : public log::Sink {
 public:
  // Opens `options.path` for appending (O_APPEND; O_NOFOLLOW: a symlink
  // there is refused, and so is anything but a regular file). A file it
  // creates gets mode 0600 whatever the umask; an existing file keeps its
  // mode. Throws SysError when the file cannot be opened.
  explicit RotatingLogFile(LogFileOptions options);
  ~RotatingLogFile() override;
  RotatingLogFile(const RotatingLogFile&) = delete;
  RotatingLogFile& operator=(const RotatingLogFile&) = delete;

  // Writes `lines` at the end of the file, rotating first when needed.
  // Returns "" or what failed ("writing /var/log/...: No space left on
  // device"); throws nothing.
  std::string Append(std::string_view lines) override;

 private:
  // These return "" or what failed (SysError's wording).
  std::string Open();
  std::string RotateIfFull(std::uint64_t incoming);
  std::string Rotate();
  std::string WriteAll(std::string_view data);
  void Close();
  // Records SysError(operation, path, errno) and returns its what().
  std::string Failed(const std::string& operation, const std::string& path);
  // NAME.n (NAME for 0).
  std::string Numbered(int n) const;

  LogFileOptions options_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // of the open file, as this writer knows it
  SysError last_error_{"", "", 0};
};

}  // namespace certpilot::sys
