#include "fleet/key_names.h"

#include "fleet/fleet_error.h"
#include "util/strings.h"

namespace certpilot::fleet {

std::string FleetKey(std::string_view prefix, std::string_view kind) {
  if (prefix.empty() || prefix.front() != '/' || prefix.back() == '/')
    throw FleetError("prefix \"" + StripControl(std::string(prefix)) +
                     "\" must start with '/' and not end with one");
  return std::string(prefix) + "/" + std::string(kind);
}

std::string_view CheckedName(std::string_view name) {
  bool ok = !name.empty() && name != "." && name != "..";
  for (unsigned char c : name)
    if (c == '/' || c < 0x20 || c == 0x7f) ok = false;
  if (!ok)
    throw FleetError("\"" + StripControl(std::string(name)) +
                     "\" cannot name a lineage in etcd (empty, \".\", "
                     "\"..\", '/' or a control character)");
  return name;
}

}  // namespace certpilot::fleet
