// The mark on the lines certpilot adds to an Apache configuration. httpd
// takes a '#' after a directive's words as one more argument, so the mark
// cannot trail the line as in nginx ("# managed by certpilot", certbot's
// "# managed by Certbot"): it is a comment line of its own right before a
// run of added directives. A directive is ours when that comment is in the
// blank and comment lines before it, or when it follows one of ours with
// nothing but indentation in between.
#pragma once

#include <string_view>
#include <vector>

#include "apache/config/tree.h"

namespace certpilot::apache {

inline constexpr std::string_view kManagedComment = "managed by certpilot";

// True if the comment lines before `n` carry the mark.
inline bool CarriesMark(const Node& n) {
  const std::string& leading = n.leading();
  const size_t mark = leading.find(kManagedComment);
  return mark != std::string::npos &&
         leading.rfind('#', mark) != std::string::npos;
}

// The directives of `block` that are ours (see above), in order.
std::vector<const Node*> ManagedNodes(const Block& block);

}  // namespace certpilot::apache
