// All filesystem access of certpilot goes through Filesystem, so tests can
// inject faults (tests/support/fault_filesystem.h) and the crash-safety of
// storage/ can be checked at every step.
//
// Conventions for every method:
//  - Paths are used as given (relative paths resolve against the working
//    directory); nothing is canonicalised.
//  - Failures throw SysError naming the operation, the path and errno.
//  - "Mutating" methods are exactly those below the "Mutating" line; a fault
//    injector counts those.
//  - Implementations need not be thread-safe; callers serialise (certpilot
//    holds the run's locks: sys/file_lock.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/sys_error.h"

namespace certpilot::sys {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileInfo {
  FileType type = FileType::kOther;
  mode_t mode = 0;  // permission bits only (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  std::uint64_t size = 0;
  std::uint64_t link_count = 0;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  // ---- Reading ----

  // The whole content of a regular file (follows symlinks).
  virtual std::string ReadFile(const std::string& path) = 0;
  // True if there is a directory entry at `path` — a dangling symlink counts
  // (lstat). False for ENOENT/ENOTDIR; other errors throw.
  virtual bool Exists(const std::string& path) = 0;
  // True if `path` is a directory or a symlink to one (stat).
  virtual bool IsDir(const std::string& path) = 0;
  // True if `path` itself is a symlink (lstat).
  virtual bool IsSymlink(const std::string& path) = 0;
  // The target text of a symlink, unresolved.
  virtual std::string ReadLink(const std::string& path) = 0;
  // Entry names of a directory, without "." and "..", sorted bytewise.
  virtual std::vector<std::string> ListDir(const std::string& path) = 0;
  // stat(2): follows symlinks.
  virtual FileInfo Stat(const std::string& path) = 0;

  // ---- Mutating ----

  // mkdir -p. Every directory this call creates gets exactly `mode` (applied
  // with chmod, so the umask cannot weaken or widen it) and is made durable
  // by fsync-ing its parent. Existing directories are left as they are.
  // Throws SysError(ENOTDIR) if a component exists and is not a directory.
  virtual void MakeDirs(const std::string& path, mode_t mode) = 0;
  // Creates a new regular file holding exactly `data`: open(O_CREAT|O_EXCL|
  // O_NOFOLLOW), then fchown(-1, *group) if `group` is set, fchmod(mode),
  // write all, fsync, close. The mode and group are set before any byte is
  // written, so a secret is never readable by others, not even briefly.
  // Refuses (EEXIST) if anything — a file, a directory, a symlink even a
  // dangling one — is at `path`. On failure the half-made file is removed;
  // only a crash can leave a partial file behind.
  virtual void CreateFileExclusive(const std::string& path,
                                   std::string_view data, mode_t mode,
                                   std::optional<gid_t> group) = 0;
  // rename(2): atomically replaces `to` (a file, a symlink, or an empty
  // directory when `from` is a directory).
  virtual void Rename(const std::string& from, const std::string& to) = 0;
  // Atomically swaps two existing entries (renameat2 RENAME_EXCHANGE): at no
  // instant does either path name nothing. Returns false, changing nothing,
  // when the filesystem or kernel cannot do it (EINVAL, ENOSYS, EOPNOTSUPP);
  // callers then fall back to something weaker.
  [[nodiscard]] virtual bool Exchange(const std::string& a,
                                      const std::string& b) = 0;
  // symlink(2): creates `link_path` pointing at `target` (taken verbatim).
  virtual void Symlink(const std::string& target,
                       const std::string& link_path) = 0;
  // link(2): a second name for the inode at `existing`.
  virtual void Link(const std::string& existing,
                    const std::string& new_path) = 0;
  // unlink(2): removes a file or symlink (never what a symlink points at).
  virtual void Unlink(const std::string& path) = 0;
  // rmdir(2): the directory must be empty.
  virtual void RemoveDir(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual void FsyncDir(const std::string& path) = 0;
  // chmod(2): follows symlinks.
  virtual void Chmod(const std::string& path, mode_t mode) = 0;
};

// The real thing: POSIX calls on the local filesystem.
class PosixFilesystem : public Filesystem {
 public:
  std::string ReadFile(const std::string& path) override;
  bool Exists(const std::string& path) override;
  bool IsDir(const std::string& path) override;
  bool IsSymlink(const std::string& path) override;
  std::string ReadLink(const std::string& path) override;
  std::vector<std::string> ListDir(const std::string& path) override;
  FileInfo Stat(const std::string& path) override;

  void MakeDirs(const std::string& path, mode_t mode) override;
  void CreateFileExclusive(const std::string& path, std::string_view data,
                           mode_t mode, std::optional<gid_t> group) override;
  void Rename(const std::string& from, const std::string& to) override;
  [[nodiscard]] bool Exchange(const std::string& a,
                              const std::string& b) override;
  void Symlink(const std::string& target,
               const std::string& link_path) override;
  void Link(const std::string& existing, const std::string& new_path) override;
  void Unlink(const std::string& path) override;
  void RemoveDir(const std::string& path) override;
  void FsyncDir(const std::string& path) override;
  void Chmod(const std::string& path, mode_t mode) override;
};

// Replaces (or creates) `path` so that a reader or a crash sees either the
// old content or all of `data`, never a mix: CreateFileExclusive of a
// uniquely named temporary file beside `path` → Rename over `path` →
// FsyncDir of the parent. A symlink at `path` is replaced, not followed.
// On failure the temporary file is removed (a crash may leave it behind;
// its name starts with "." and contains ".tmp."; TempFilePrefix). `group`,
// when set, is given to the new file before any byte is written (see
// CreateFileExclusive).
void WriteFileAtomic(Filesystem& fs, const std::string& path,
                     std::string_view data, mode_t mode,
                     std::optional<gid_t> group = std::nullopt);

// ".NAME.tmp.": how the temporary files of WriteFileAtomic for `path`
// (whose last component is NAME) begin, for finding a crash's leftovers.
std::string TempFilePrefix(std::string_view path);

// rm -rf that never follows symlinks: a symlink is unlinked, never entered.
// Does nothing if `path` does not exist.
void RemoveTree(Filesystem& fs, const std::string& path);

// "a" + "b" → "a/b" (no doubled slash when `dir` ends with one).
std::string JoinPath(std::string_view dir, std::string_view name);
// The parent ("/a/b" → "/a", "b" → ".", "/b" → "/"); trailing slashes
// ignored.
std::string DirName(std::string_view path);
// The last component ("/a/b/" → "b").
std::string BaseName(std::string_view path);

}  // namespace certpilot::sys
