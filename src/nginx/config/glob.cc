#include "nginx/config/glob.h"

#include <fnmatch.h>

#include <algorithm>

#include "util/strings.h"

namespace certpilot::nginx {

bool HasGlobChars(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> ExpandGlob(sys::Filesystem& fs,
                                    const std::string& pattern) {
  std::vector<std::string> current{StartsWith(pattern, "/") ? "/" : ""};
  for (const std::string& component : Split(pattern, '/')) {
    if (component.empty()) continue;
    std::vector<std::string> next;
    for (const std::string& prefix : current) {
      if (!HasGlobChars(component)) {
        next.push_back(sys::JoinPath(prefix, component));
        continue;
      }
      const std::string dir = prefix.empty() ? "." : prefix;
      if (!fs.IsDir(dir)) continue;
      for (const std::string& entry : fs.ListDir(dir)) {
        if (::fnmatch(component.c_str(), entry.c_str(), FNM_PERIOD) == 0) {
          next.push_back(sys::JoinPath(prefix, entry));
        }
      }
    }
    current = std::move(next);
  }
  std::vector<std::string> found;
  for (const std::string& path : current) {
    if (!path.empty() && fs.Exists(path)) found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace certpilot::nginx
