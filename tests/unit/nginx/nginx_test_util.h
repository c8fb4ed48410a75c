// Helpers for the nginx unit tests: the corpus directory, and an in-memory
// read-only Filesystem so include tests touch no disk.
#pragma once

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.h"
#include "sys/filesystem.h"
#include "sys/sys_error.h"

namespace certpilot::nginx::testing {

// tests/data/nginx of the source tree.
inline std::string CorpusDir() {
  return certpilot::testing::TestDataDir() + "/nginx";
}

inline std::string ReadDiskFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files and the directories implied by their paths. Reads only; every
// mutating call throws std::logic_error. Counts ReadFile calls per path.
class MemFilesystem : public sys::Filesystem {
 public:
  void AddFile(const std::string& path, const std::string& content) {
    files_[path] = content;
    for (std::string dir = sys::DirName(path);; dir = sys::DirName(dir)) {
      dirs_.insert(dir);
      if (dir == "/" || dir == ".") break;
    }
  }
  void AddDir(const std::string& path) {
    dirs_.insert(path);
    if (path != "/") AddDir(sys::DirName(path));
  }
  int reads(const std::string& path) const {
    auto it = reads_.find(path);
    return it == reads_.end() ? 0 : it->second;
  }

  std::string ReadFile(const std::string& path) override {
    ++reads_[path];
    auto it = files_.find(path);
    if (it == files_.end()) {
      throw sys::SysError("reading", path, dirs_.count(path) ? EISDIR : ENOENT);
    }
    return it->second;
  }
  bool Exists(const std::string& path) override {
    return files_.count(path) != 0 || dirs_.count(path) != 0;
  }
  bool IsDir(const std::string& path) override {
    return dirs_.count(path) != 0;
  }
  bool IsSymlink(const std::string&) override { return false; }
  std::string ReadLink(const std::string& path) override {
    throw sys::SysError("reading link", path, EINVAL);
  }
  std::vector<std::string> ListDir(const std::string& path) override {
    if (!IsDir(path)) throw sys::SysError("listing", path, ENOENT);
    std::set<std::string> names;
    auto collect = [&](const std::string& p) {
      if (p != path && sys::DirName(p) == path) names.insert(sys::BaseName(p));
    };
    for (const auto& [p, content] : files_) collect(p);
    for (const std::string& d : dirs_) collect(d);
    return {names.begin(), names.end()};
  }
  sys::FileInfo Stat(const std::string& path) override {
    if (!Exists(path)) throw sys::SysError("stat", path, ENOENT);
    sys::FileInfo info;
    info.type =
        IsDir(path) ? sys::FileType::kDirectory : sys::FileType::kRegular;
    return info;
  }

  void MakeDirs(const std::string&, mode_t) override { Refuse(); }
  void CreateFileExclusive(const std::string&, std::string_view, mode_t,
                           std::optional<gid_t>) override {
    Refuse();
  }
  void Rename(const std::string&, const std::string&) override { Refuse(); }
  bool Exchange(const std::string&, const std::string&) override { Refuse(); }
  void Symlink(const std::string&, const std::string&) override { Refuse(); }
  void Link(const std::string&, const std::string&) override { Refuse(); }
  void Unlink(const std::string&) override { Refuse(); }
  void RemoveDir(const std::string&) override { Refuse(); }
  void FsyncDir(const std::string&) override { Refuse(); }
  void Chmod(const std::string&, mode_t) override { Refuse(); }

 private:
  [[noreturn]] static void Refuse() {
    throw std::logic_error("the nginx reader must not modify the filesystem");
  }

  std::map<std::string, std::string> files_;
  std::set<std::string> dirs_;
  std::map<std::string, int> reads_;
};

}  // namespace certpilot::nginx::testing
