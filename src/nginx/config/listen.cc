#include "nginx/config/listen.h"

#include "nginx/config/parse_error.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

// 1..65535, digits only; -1 otherwise.
int ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return -1;
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535 ? port : -1;
}

bool IsAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string ListenAddress::Socket() const {
  const std::string host = ipv6 ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

std::optional<ListenAddress> ParseListen(const Directive& listen,
                                         const std::string& file_path) {
  auto fail = [&](const std::string& reason) -> ParseError {
    return ParseError(file_path, listen.line(), listen.column(), reason);
  };
  if (listen.args().empty()) throw fail("\"listen\" has no address");
  const std::string spec = ToLower(listen.arg(0));
  if (StartsWith(spec, "unix:")) return std::nullopt;

  ListenAddress out;
  std::string port_text;
  bool has_port = true;
  if (StartsWith(spec, "[")) {
    const size_t close = spec.find(']');
    if (close == std::string::npos) {
      throw fail("invalid IPv6 address in \"listen " + listen.arg(0) + "\"");
    }
    out.ipv6 = true;
    out.address = spec.substr(1, close - 1);
    const std::string rest = spec.substr(close + 1);
    if (rest.empty()) {
      has_port = false;
    } else if (StartsWith(rest, ":")) {
      port_text = rest.substr(1);
    } else {
      throw fail("invalid address in \"listen " + listen.arg(0) + "\"");
    }
  } else if (IsAllDigits(spec)) {
    port_text = spec;
  } else if (const size_t colon = spec.rfind(':'); colon != std::string::npos) {
    out.address = spec.substr(0, colon);
    port_text = spec.substr(colon + 1);
  } else {
    out.address = spec;
    has_port = false;
  }
  if (has_port) {
    out.port = ParsePort(port_text);
    if (out.port < 0) {
      throw fail("invalid port in \"listen " + listen.arg(0) + "\"");
    }
  }
  if (out.address.empty() || out.address == "0.0.0.0") out.address = "*";

  for (size_t i = 1; i < listen.args().size(); ++i) {
    const std::string& param = listen.arg(i);
    out.params.push_back(param);
    if (param == "ssl") out.ssl = true;
    if (param == "default_server" || param == "default") {
      out.default_server = true;
    }
  }
  return out;
}

}  // namespace certpilot::nginx
