// A read-only view of a Filesystem with some files as they are planned to
// be: the installer loads the configuration through it to learn whether
// httpd would read a new file (through an Include glob already there)
// before writing anything. Every mutating call throws std::logic_error.
// The planned files shadow what is on disk; their directories must exist.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sys/filesystem.h"

namespace certpilot::apache {

class PlannedFilesystem : public sys::Filesystem {
 public:
  // `files`: path (normalised, absolute) → content.
  PlannedFilesystem(sys::Filesystem& base,
                    std::map<std::string, std::string> files)
      : base_(base), files_(std::move(files)) {}

  std::string ReadFile(const std::string& path) override;
  bool Exists(const std::string& path) override;
  bool IsDir(const std::string& path) override;
  bool IsSymlink(const std::string& path) override;
  std::string ReadLink(const std::string& path) override;
  std::vector<std::string> ListDir(const std::string& path) override;
  sys::FileInfo Stat(const std::string& path) override;

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

 private:
  [[noreturn]] static void ReadOnly();

  sys::Filesystem& base_;
  std::map<std::string, std::string> files_;
};

}  // namespace certpilot::apache
