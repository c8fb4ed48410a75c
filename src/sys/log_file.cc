#include "sys/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace certpilot::sys {
RotatingLogFile::RotatingLogFile(LogFileOptions options)
    : options_(std::move(options)) {
  if (std::string error = Open(); !error.empty()) {
    Close();
    throw last_error_;
  }
}

RotatingLogFile::~RotatingLogFile() { Close(); }

std::string RotatingLogFile::Append(std::string_view lines) {
  if (std::string error = RotateIfFull(lines.size()); !error.empty())
    return error;
  if (std::string error = WriteAll(lines); !error.empty()) return error;
  size_ += lines.size();
  return "";
}

std::string RotatingLogFile::Open() {
  const std::string& path = options_.path;
  // O_NONBLOCK: a FIFO planted at the path must not hang the run (it is
  // refused below); it changes nothing for a regular file.
  const int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  bool created = true;
  fd_ = ::open(path.c_str(), flags | O_CREAT | O_EXCL, 0600);
  if (fd_ < 0 && errno == EEXIST) {
    created = false;
    fd_ = ::open(path.c_str(), flags);
  }
  if (fd_ < 0) return Failed("opening", path);
  // 0600 & umask at creation; fchmod makes it exactly 0600.
  if (created && ::fchmod(fd_, 0600) != 0)
    return Failed("setting mode of", path);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Failed("examining", path);
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return Failed("opening (not a regular file)", path);
  }
  size_ = std::uint64_t(st.st_size);
  return "";
}

void RotatingLogFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string RotatingLogFile::RotateIfFull(std::uint64_t incoming) {
  if (options_.max_backups <= 0 || size_ == 0 ||
      size_ + incoming <= options_.max_bytes)
    return "";
  struct stat ours, named;
  bool still_ours = ::fstat(fd_, &ours) == 0 &&
                    ::stat(options_.path.c_str(), &named) == 0 &&
                    ours.st_dev == named.st_dev && ours.st_ino == named.st_ino;
  Close();
  if (still_ours)
    if (std::string error = Rotate(); !error.empty()) return error;
  return Open();  // else another process rotated it: append to its new file
}

std::string RotatingLogFile::Rotate() {
  for (int n = options_.max_backups - 1; n >= 0; --n) {
    std::string from = Numbered(n), to = Numbered(n + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
      return Failed("renaming " + from + " to", to);
  }
  return "";
}

std::string RotatingLogFile::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return Failed("writing", options_.path);
    }
    data.remove_prefix(size_t(n));
  }
  return "";
}

std::string RotatingLogFile::Failed(const std::string& operation,
                                    const std::string& path) {
  last_error_ = SysError(operation, path, errno);
  return last_error_.what();
}

std::string RotatingLogFile::Numbered(int n) const {
  return n == 0 ? options_.path : options_.path + "." + std::to_string(n);
}

}  // namespace certpilot::sys
