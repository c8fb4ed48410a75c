#include "support/temp_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace certpilot::testing {

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  path_ = tmpl;
}

TempDir::~TempDir() { Remove(); }

std::string TempDir::Write(const std::string& rel, const std::string& content,
                           mode_t mode) const {
  const std::string path = *this / rel;
  WriteFileOrThrow(path, content, mode);
  return path;
}

void TempDir::Remove() {
  if (removed_) return;
  removed_ = true;
  const char* keep = std::getenv("CERTPILOT_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") {
    std::cerr << "keeping " << path_ << " (CERTPILOT_KEEP_TEST_DIRS=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) {
    std::cerr << "could not remove " << path_ << ": " << ec.message() << "\n";
  }
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrThrow(const std::string& path, const std::string& content,
                      mode_t mode) {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
  };
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail("creating");
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail("writing");
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) fail("closing");
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return static_cast<mode_t>(-1);
  return st.st_mode & 07777;
}

ScopedUmask::ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
ScopedUmask::~ScopedUmask() { ::umask(old_); }

}  // namespace certpilot::testing
