#include "sys/glob.h"

#include <fnmatch.h>

#include <algorithm>

#include "util/strings.h"

namespace certpilot::sys {

bool HasGlobChars(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> ExpandGlob(Filesystem& fs,
                                    const std::string& pattern) {
  std::vector<std::string> current{StartsWith(pattern, "/") ? "/" : ""};
  for (const std::string& component : Split(pattern, '/')) {
    if (component.empty()) continue;
    std::vector<std::string> next;
    for (const std::string& prefix : current) {
      if (!HasGlobChars(component)) {
        next.push_back(JoinPath(prefix, component));
        continue;
      }
      const std::string dir = prefix.empty() ? "." : prefix;
      if (!fs.IsDir(dir)) continue;
      for (const std::string& entry : fs.ListDir(dir)) {
        if (::fnmatch(component.c_str(), entry.c_str(), FNM_PERIOD) == 0) {
          next.push_back(JoinPath(prefix, entry));
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

std::string NormalizePath(std::string_view path) {
  std::string out = StartsWith(path, "/") ? "/" : "";
  for (const std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (!out.empty() && out.back() != '/') out += '/';
    out += part;
  }
  return out.empty() ? "." : out;
}

}  // namespace certpilot::sys
