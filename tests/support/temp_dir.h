// Files for tests: a private temporary directory (TempDir), whole-file read
// and write, permission bits, a scoped umask. The standard library and POSIX
// only, so every test binary (and certpilot-testca) can link it.
//
// TempDir creates $TMPDIR/PREFIX-XXXXXX (TMPDIR unset: /tmp) with mkdtemp
// and removes it, with everything in it, in Remove() or the destructor —
// unless the environment has CERTPILOT_KEEP_TEST_DIRS=1: then the directory
// stays and its path goes to stderr. Throws std::runtime_error when it cannot
// be created. Not thread-safe; the free functions are.
#pragma once

#include <sys/types.h>

#include <string>

namespace certpilot::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "certpilot-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Stays valid after Remove().
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }
  // Writes `content` to path()/rel (see WriteFileOrThrow); returns that path.
  std::string Write(const std::string& rel, const std::string& content,
                    mode_t mode = 0644) const;
  // Removes the directory now (see above). Idempotent.
  void Remove();

 private:
  std::string path_;
  bool removed_ = false;
};

// The whole content of a file; "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// Creates or truncates `path` with `mode` (for a new file, less the umask)
// and writes `content`. Throws std::runtime_error naming the path and errno.
void WriteFileOrThrow(const std::string& path, const std::string& content,
                      mode_t mode = 0644);

// Permission bits of `path` (lstat: a symlink's own); (mode_t)-1 if absent.
mode_t ModeOf(const std::string& path);

class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask);
  ~ScopedUmask();
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

}  // namespace certpilot::testing
