// The gate every value from outside (domain names, file paths, ACME tokens
// and key authorizations) passes before certpilot writes it into an nginx
// configuration. A value that passes is written as one bare, unquoted nginx
// word whose meaning is exactly the value: it cannot end a directive, open or
// close a block, start a comment, quote, escape or expand a variable.
//
// The tree editor (tree.h) checks every new argument again before inserting
// it, and the dumper before writing it (defence in depth).
#pragma once

#include <string_view>

namespace certpilot::nginx {

// True when `value` is non-empty and holds none of the bytes ; { } # " ' $
// and backslash, no whitespace and no control character (0x00-0x1f, 0x7f).
// Bytes >= 0x80 (UTF-8) are allowed: nginx treats them as ordinary text.
bool IsSafeConfigValue(std::string_view value);

// Throws UsageError naming the value (control characters shown as '?') and
// the offending character unless IsSafeConfigValue(value).
void ValidateConfigValue(std::string_view value);

}  // namespace certpilot::nginx
