// Parses the text of one Apache configuration file into a lossless tree
// (tree.h). Includes are not followed and ${VAR} is not resolved here (see
// loader.h); directive names and argument counts are not checked. A section
// line's arguments end at its last '>': what follows is ignored, as httpd
// ignores it, and kept in the node's tail.
//
// Throws ParseError, at the (last) line of the offending logical line, for:
//  - a section line ("<Name …") without a closing '>', or with no name;
//  - a "</Name>" line that does not close the innermost open section, or
//    closes none;
//  - a section still open at the end of the file (at its opening line);
//  - sections nested more than kMaxNesting deep.
#pragma once

#include <string>
#include <string_view>

#include "apache/config/tree.h"

namespace certpilot::apache {

inline constexpr int kMaxNesting = 100;

// `path` names the file in errors and becomes Config::path().
Config ParseConfig(std::string_view text, const std::string& path);

}  // namespace certpilot::apache
