#include "apache/patch/planned_filesystem.h"

#include <algorithm>
#include <stdexcept>

#include "sys/glob.h"

namespace certpilot::apache {

void PlannedFilesystem::ReadOnly() {
  throw std::logic_error("PlannedFilesystem is read-only");
}

std::string PlannedFilesystem::ReadFile(const std::string& path) {
  auto it = files_.find(sys::NormalizePath(path));
  return it != files_.end() ? it->second : base_.ReadFile(path);
}

bool PlannedFilesystem::Exists(const std::string& path) {
  return files_.count(sys::NormalizePath(path)) > 0 || base_.Exists(path);
}

bool PlannedFilesystem::IsDir(const std::string& path) {
  return files_.count(sys::NormalizePath(path)) == 0 && base_.IsDir(path);
}

bool PlannedFilesystem::IsSymlink(const std::string& path) {
  return files_.count(sys::NormalizePath(path)) == 0 && base_.IsSymlink(path);
}

std::string PlannedFilesystem::ReadLink(const std::string& path) {
  return base_.ReadLink(path);
}

std::vector<std::string> PlannedFilesystem::ListDir(const std::string& path) {
  std::vector<std::string> names = base_.ListDir(path);
  const std::string dir = sys::NormalizePath(path) + "/";
  for (const auto& [file, text] : files_) {
    if (file.size() <= dir.size() || file.compare(0, dir.size(), dir) != 0)
      continue;
    const std::string name = file.substr(dir.size());
    if (name.find('/') == std::string::npos &&
        std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

sys::FileInfo PlannedFilesystem::Stat(const std::string& path) {
  auto it = files_.find(sys::NormalizePath(path));
  if (it == files_.end()) return base_.Stat(path);
  sys::FileInfo info;
  info.type = sys::FileType::kRegular;
  info.mode = 0644;
  info.size = it->second.size();
  info.link_count = 1;
  return info;
}

void PlannedFilesystem::MakeDirs(const std::string&, mode_t) { ReadOnly(); }
void PlannedFilesystem::CreateFileExclusive(const std::string&,
                                            std::string_view, mode_t,
                                            std::optional<gid_t>) {
  ReadOnly();
}
void PlannedFilesystem::Rename(const std::string&, const std::string&) {
  ReadOnly();
}
bool PlannedFilesystem::Exchange(const std::string&, const std::string&) {
  ReadOnly();
}
void PlannedFilesystem::Symlink(const std::string&, const std::string&) {
  ReadOnly();
}
void PlannedFilesystem::Link(const std::string&, const std::string&) {
  ReadOnly();
}
void PlannedFilesystem::Unlink(const std::string&) { ReadOnly(); }
void PlannedFilesystem::RemoveDir(const std::string&) { ReadOnly(); }
void PlannedFilesystem::FsyncDir(const std::string&) { ReadOnly(); }
void PlannedFilesystem::Chmod(const std::string&, mode_t) { ReadOnly(); }

}  // namespace certpilot::apache
