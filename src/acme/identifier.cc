#include "acme/identifier.h"

#include <arpa/inet.h>

#include <algorithm>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::acme {
namespace {

[[noreturn]] void Bad(std::string_view input, const std::string& why) {
  throw UsageError("invalid domain name \"" + StripControl(input) +
                   "\": " + why);
}

std::optional<std::string> CanonicalIp(const std::string& text) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  // inet_pton reads a C string: "1.2.3.4\0junk" must not pass as 1.2.3.4.
  if (text.find('\0') != std::string::npos) return std::nullopt;
  if (inet_pton(AF_INET, text.c_str(), buf) == 1)
    return inet_ntop(AF_INET, buf, out, sizeof out);
  std::string t = text;
  if (t.size() > 2 && t.front() == '[' && t.back() == ']')
    t = t.substr(1, t.size() - 2);
  if (inet_pton(AF_INET6, t.c_str(), buf) == 1)
    return inet_ntop(AF_INET6, buf, out, sizeof out);
  return std::nullopt;
}

}  // namespace

Identifier ParseIdentifierInput(std::string_view input) {
  std::string name = ToLower(input);
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) Bad(input, "it is empty");
  if (auto ip = CanonicalIp(name)) return {"ip", *ip};

  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80)
      Bad(input, "non-ASCII characters; use the punycode (xn--) form");
    if (u < 0x20 || u == 0x7f) Bad(input, "it contains a control character");
    if (c == ' ' || c == '\t') Bad(input, "it contains white space");
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '.' || c == '*';
    if (!ldh)
      Bad(input, std::string("the character '") + c + "' is not allowed");
  }
  if (name.size() > 253) Bad(input, "longer than 253 characters");
  std::vector<std::string> labels = Split(name, '.');
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    if (label.empty()) Bad(input, "it has an empty label");
    if (label.size() > 63) Bad(input, "a label is longer than 63 characters");
    if (label.find('*') != std::string::npos) {
      if (label != "*" || i != 0)
        Bad(input,
            "'*' is allowed only as the whole leftmost label (*.example.com)");
      if (labels.size() < 3)
        Bad(input, "a wildcard needs at least two labels after '*.'");
      continue;
    }
    if (label.front() == '-' || label.back() == '-')
      Bad(input, "a label starts or ends with '-'");
  }
  return {"dns", name};
}

std::vector<Identifier> ParseIdentifierInputs(
    const std::vector<std::string>& inputs) {
  std::vector<Identifier> out;
  for (const std::string& in : inputs) {
    Identifier id = ParseIdentifierInput(in);
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

}  // namespace certpilot::acme
