#include "sys/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <utility>

namespace certpilot::sys {
namespace {

// Closes on scope exit; Release() hands the descriptor back.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void Throw(const std::string& operation, const std::string& path) {
  throw SysError(operation, path, errno);
}

FileType TypeOf(mode_t st_mode) {
  if (S_ISREG(st_mode)) return FileType::kRegular;
  if (S_ISDIR(st_mode)) return FileType::kDirectory;
  if (S_ISLNK(st_mode)) return FileType::kSymlink;
  return FileType::kOther;
}

// stat or lstat; false for "no such entry", throws for anything else (a
// permission problem must not read as "absent").
bool TryStat(const std::string& path, bool follow, struct stat* st) {
  int rc = follow ? ::stat(path.c_str(), st) : ::lstat(path.c_str(), st);
  if (rc == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  Throw("inspecting", path);
}

void WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      Throw("writing", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string PosixFilesystem::ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) Throw("reading", path);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Throw("reading", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool PosixFilesystem::Exists(const std::string& path) {
  struct stat st;
  return TryStat(path, /*follow=*/false, &st);
}

bool PosixFilesystem::IsDir(const std::string& path) {
  struct stat st;
  return TryStat(path, /*follow=*/true, &st) && S_ISDIR(st.st_mode);
}

bool PosixFilesystem::IsSymlink(const std::string& path) {
  struct stat st;
  return TryStat(path, /*follow=*/false, &st) && S_ISLNK(st.st_mode);
}

std::string PosixFilesystem::ReadLink(const std::string& path) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) Throw("reading link", path);
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);  // possibly truncated: retry bigger
  }
}

std::vector<std::string> PosixFilesystem::ListDir(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) Throw("listing", path);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(dir.get());
    if (e == nullptr) {
      if (errno != 0) Throw("listing", path);
      break;
    }
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

FileInfo PosixFilesystem::Stat(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) Throw("inspecting", path);
  FileInfo info;
  info.type = TypeOf(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.link_count = static_cast<std::uint64_t>(st.st_nlink);
  return info;
}

void PosixFilesystem::MakeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) throw SysError("creating directory", path, ENOENT);
  // Walk the prefixes "/a", "/a/b", ... so each level is created (or found)
  // in order and its parent is known for the fsync.
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string prefix = path.substr(0, slash);
    pos = slash + 1;
    if (prefix.empty() || prefix.back() == '/' || BaseName(prefix) == "." ||
        BaseName(prefix) == "..") {
      continue;  // root, doubled slash, or a "." / ".." step
    }
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      // 0700 first, then the requested mode: never wider than asked, even
      // for an instant, and exactly what was asked regardless of umask.
      if (::chmod(prefix.c_str(), mode) != 0) Throw("setting mode of", prefix);
      FsyncDir(DirName(prefix));
      continue;
    }
    if (errno != EEXIST) Throw("creating directory", prefix);
    if (!IsDir(prefix)) throw SysError("creating directory", prefix, ENOTDIR);
  }
}

void PosixFilesystem::CreateFileExclusive(const std::string& path,
                                          std::string_view data, mode_t mode,
                                          std::optional<gid_t> group) {
  // 0600 & umask at creation; fchmod below sets the exact mode before any
  // byte is written.
  Fd fd(::open(path.c_str(),
               O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600));
  if (fd.get() < 0) Throw("creating", path);
  try {
    if (group && ::fchown(fd.get(), static_cast<uid_t>(-1), *group) != 0) {
      Throw("setting group of", path);
    }
    // After fchown: chown may clear set-id bits, and the group bits must
    // only apply once the group is the intended one.
    if (::fchmod(fd.get(), mode) != 0) Throw("setting mode of", path);
    WriteAll(fd.get(), data, path);
    if (::fsync(fd.get()) != 0) Throw("syncing", path);
    if (::close(fd.Release()) != 0) Throw("closing", path);
  } catch (const SysError&) {
    // The file is ours (O_EXCL): remove the half-made one so that only a
    // crash can leave partial content behind.
    ::unlink(path.c_str());
    throw;
  }
}

void PosixFilesystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    Throw("renaming " + from + " to", to);
  }
}

bool PosixFilesystem::Exchange(const std::string& a, const std::string& b) {
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) ==
      0) {
    return true;
  }
  if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) return false;
  Throw("exchanging " + a + " with", b);
}

void PosixFilesystem::Symlink(const std::string& target,
                              const std::string& link_path) {
  if (::symlink(target.c_str(), link_path.c_str()) != 0) {
    Throw("creating symlink", link_path);
  }
}

void PosixFilesystem::Link(const std::string& existing,
                           const std::string& new_path) {
  if (::link(existing.c_str(), new_path.c_str()) != 0) {
    Throw("linking " + existing + " as", new_path);
  }
}

void PosixFilesystem::Unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) Throw("removing", path);
}

void PosixFilesystem::RemoveDir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) Throw("removing directory", path);
}

void PosixFilesystem::FsyncDir(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) Throw("opening directory", path);
  if (::fsync(fd.get()) != 0) Throw("syncing directory", path);
}

void PosixFilesystem::Chmod(const std::string& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) Throw("setting mode of", path);
}

void WriteFileAtomic(Filesystem& fs, const std::string& path,
                     std::string_view data, mode_t mode,
                     std::optional<gid_t> group) {
  // A random suffix rather than a fixed name: two writers (or a stale file
  // from a crash) must never share, and so never rename, the other's
  // half-written temporary.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx",
                static_cast<unsigned long long>(rng()));
  std::string dir = DirName(path);
  std::string tmp = JoinPath(dir, TempFilePrefix(path) + suffix);
  fs.CreateFileExclusive(tmp, data, mode, group);
  try {
    fs.Rename(tmp, path);
  } catch (const SysError&) {
    try {
      fs.Unlink(tmp);
    } catch (const SysError&) {
      // Best effort: the rename error is the one worth reporting.
    }
    throw;
  }
  fs.FsyncDir(dir);
}

std::string TempFilePrefix(std::string_view path) {
  return "." + BaseName(path) + ".tmp.";
}

void RemoveTree(Filesystem& fs, const std::string& path) {
  if (!fs.Exists(path)) return;
  if (fs.IsSymlink(path) || !fs.IsDir(path)) {
    fs.Unlink(path);
    return;
  }
  for (const std::string& name : fs.ListDir(path)) {
    RemoveTree(fs, JoinPath(path, name));
  }
  fs.RemoveDir(path);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || path == "/") return std::string(path);
  return std::string(path.substr(slash + 1));
}

}  // namespace certpilot::sys
