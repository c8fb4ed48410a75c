#include "apache/config/modules.h"

#include "util/strings.h"

namespace certpilot::apache {

std::string ModuleSourceName(std::string_view name) {
  constexpr std::string_view kSuffix = "_module";
  if (!EndsWith(name, kSuffix)) return std::string(name);
  const std::string_view stem = name.substr(0, name.size() - kSuffix.size());
  // The MPMs and the two core modules are not called mod_*.c.
  if (StartsWith(stem, "mpm_")) return std::string(stem.substr(4)) + ".c";
  if (stem == "core") return "core.c";
  if (stem == "http") return "http_core.c";
  return "mod_" + std::string(stem) + ".c";
}

}  // namespace certpilot::apache
