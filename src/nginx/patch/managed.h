// The mark on every line certpilot adds to an nginx configuration: a trailing
// "# managed by certpilot" comment (certbot writes "# managed by Certbot").
// It tells a person which lines are ours, and lets recovery find challenge
// responses an interrupted run left behind even in a file edited since.
#pragma once

#include <string_view>

#include "nginx/config/tree.h"

namespace certpilot::nginx {

inline constexpr std::string_view kManagedComment = "managed by certpilot";

// True if `d` carries the mark after its ';' or '}'.
inline bool IsManaged(const Directive& d) {
  const std::string& t = d.trailing();
  const size_t hash = t.find('#');
  return hash != std::string::npos &&
         t.find(kManagedComment, hash) != std::string::npos;
}

}  // namespace certpilot::nginx
