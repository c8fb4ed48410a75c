#include "app/rules/fleet_responder.h"

#include <charconv>

#include "acme/identifier.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// The canonical text of an IP literal, or "" for anything else: the
// parsing of -d values (acme/identifier.h, RFC 8738).
std::string IpLiteral(const std::string& host) {
  try {
    const acme::Identifier id = acme::ParseIdentifierInput(host);
    if (id.type == "ip") return id.value;
  } catch (const UsageError&) {
  }
  return "";
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
  const std::string host = value.substr(0, colon);
  const std::string port = value.substr(colon + 1);
  const auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), r.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() ||
      r.port < 1 || r.port > 65535)
    throw bad("the port is not 1-65535");
  const bool bracketed = !host.empty() && host.front() == '[';
  if (bracketed && (host.size() < 3 || host.back() != ']'))
    throw bad("not an IPv6 address in brackets");
  const std::string literal =
      bracketed ? host.substr(1, host.size() - 2) : host;
  if (literal.empty()) return r;  // every address
  r.address = IpLiteral(literal);
  if (r.address.empty()) throw bad("the host is not an IP address");
  if (bracketed != (r.address.find(':') != std::string::npos))
    throw bad("an IPv6 address goes in brackets, an IPv4 one does not");
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
