// The names of fleet mode's etcd keys (issue #17): everything lives under
// one prefix (--fleet-prefix, "/certpilot" by default), then a kind
// ("locks", "lineages", ...), then a lineage name, so each lineage's keys
// are one etcd prefix of their own.
#pragma once

#include <string>
#include <string_view>

namespace certpilot::fleet {

// PREFIX/KIND. FleetError when `prefix` does not start with '/' or ends
// with one (a key would get an empty segment).
std::string FleetKey(std::string_view prefix, std::string_view kind);

// `name` when it can be one segment of a key: not empty, not "." or "..",
// no '/' and no control character; FleetError naming it otherwise.
std::string_view CheckedName(std::string_view name);

}  // namespace certpilot::fleet
