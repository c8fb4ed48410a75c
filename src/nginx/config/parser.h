// Parses the text of one nginx configuration file into a lossless tree
// (tree.h). Includes are not followed here (see include_loader.h).
//
// The parser accepts exactly what nginx's reader accepts syntactically
// (directive names and argument counts are not checked) and throws
// ParseError otherwise, at these positions:
//  - unterminated quoted string: its opening quote;
//  - a quoted string followed by something other than whitespace, ';', '{'
//    or ')': that byte;
//  - a directive not ended by ';' or '{' (a '}' or the end of the file
//    comes first): just after its last word;
//  - '}' with no block open, or ';' / '{' with no directive name: that byte;
//  - a block (or *_by_lua_block) still open at the end of the file: its '{';
//  - blocks nested more than kMaxNesting deep: the '{' too many.
// Directives whose name ends in "_by_lua_block" hold Lua code, read the way
// ngx_lua reads it (braces inside Lua strings and comments do not count).
#pragma once

#include <string>
#include <string_view>

#include "nginx/config/tree.h"

namespace certpilot::nginx {

inline constexpr int kMaxNesting = 100;

// `path` names the file in errors and becomes Config::path().
Config ParseConfig(std::string_view text, const std::string& path);

}  // namespace certpilot::nginx
