#include "app/rules/fleet_responder.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

bool IsIpv4(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    const size_t dot = std::min(s.find('.', i), s.size());
    const std::string part = s.substr(i, dot - i);
    int value = -1;
    const auto [end, ec] =
        std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc() ||
        end != part.data() + part.size() || value > 255)
      return false;
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

// Hex digits, colons and (for an embedded IPv4 address) dots, with at
// least two colons: enough to keep anything but an address out of nginx's
// configuration; the responder's bind(2) is the exact check.
bool LooksLikeIpv6(const std::string& s) {
  return std::count(s.begin(), s.end(), ':') >= 2 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' ||
                  c == '.';
         });
}

}  // namespace

ResponderAddress ParseFleetResponder(const std::string& value) {
  const auto bad = [&value](const std::string& why) {
    return UsageError("--fleet-responder \"" + StripControl(value) + "\": " +
                      why + " (HOST:PORT, e.g. 127.0.0.1:8402 or [::1]:8402)");
  };
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  ResponderAddress r;
  std::string host = value.substr(0, colon);
  const std::string port = value.substr(colon + 1);
  const auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), r.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() ||
      r.port < 1 || r.port > 65535)
    throw bad("the port is not 1-65535");
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']' ||
        !LooksLikeIpv6(host.substr(1, host.size() - 2)))
      throw bad("not an IPv6 address in brackets");
    r.address = host.substr(1, host.size() - 2);
  } else if (host.empty() || IsIpv4(host)) {
    r.address = host;
  } else {
    throw bad("the host is not an IP address");
  }
  return r;
}

std::string ResponderUpstream(const ResponderAddress& r) {
  std::string host = r.address;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(r.port);
}

}  // namespace certpilot::app
