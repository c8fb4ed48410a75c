#include "app/usecases/deploy_paths.h"

#include <filesystem>

#include "util/strings.h"

namespace certpilot::app {

std::string Absolute(const std::string& path) {
  std::string p = std::filesystem::absolute(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string ArchiveDir(sys::Filesystem& fs, const std::string& backups,
                       TimePoint now, bool install) {
  const std::string base = sys::JoinPath(
      backups, FormatRfc3339(now) + (install ? "-install" : "-enhance"));
  std::string dir = base;
  for (int i = 2; fs.Exists(dir); ++i) dir = base + "-" + std::to_string(i);
  return dir;
}

}  // namespace certpilot::app
