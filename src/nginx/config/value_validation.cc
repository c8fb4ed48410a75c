#include "nginx/config/value_validation.h"

#include <string>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

// The first byte of `value` that could change the structure of a
// configuration, or npos.
size_t FirstUnsafeByte(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f || c == ' ') return i;
    switch (c) {
      case ';':
      case '{':
      case '}':
      case '#':
      case '"':
      case '\'':
      case '$':
      case '\\':
        return i;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

std::string Describe(unsigned char c) {
  switch (c) {
    case ' ':
      return "a space";
    case '\t':
      return "a tab";
    case '\n':
      return "a newline";
    case '\r':
      return "a carriage return";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7f) {
    static const char kHex[] = "0123456789abcdef";
    return std::string("the control character 0x") + kHex[c >> 4] +
           kHex[c & 0xf];
  }
  return std::string("'") + static_cast<char>(c) + "'";
}

}  // namespace

bool IsSafeConfigValue(std::string_view value) {
  return !value.empty() && FirstUnsafeByte(value) == std::string_view::npos;
}

void ValidateConfigValue(std::string_view value) {
  if (value.empty()) {
    throw UsageError(
        "refusing to write an empty value into the nginx configuration");
  }
  const size_t bad = FirstUnsafeByte(value);
  if (bad == std::string_view::npos) return;
  throw UsageError("refusing to write \"" + StripControl(value) +
                   "\" into the nginx configuration: it contains " +
                   Describe(static_cast<unsigned char>(value[bad])) +
                   ", which could change the configuration's structure");
}

}  // namespace certpilot::nginx
