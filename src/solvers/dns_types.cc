#include "solvers/dns_types.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {

std::string DnsServerAddress::ToString() const {
  if (ip.find(':') != std::string::npos)
    return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

DnsServerAddress ParseDnsServerAddress(std::string_view text,
                                       std::uint16_t default_port) {
  const std::string shown = StripControl(text);
  auto fail = [&](const std::string& why) {
    return UsageError("bad DNS server address \"" + shown + "\": " + why +
                      " (expected IP, IP:PORT or [IPv6]:PORT)");
  };
  std::string_view host = Trim(text);
  std::string_view port_text;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) throw fail("missing ']'");
    std::string_view rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw fail("junk after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) throw fail("empty port");
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    size_t colon = host.find(':');
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port_text.empty()) throw fail("empty port");
  }
  DnsServerAddress out;
  out.ip = std::string(host);
  out.port = default_port;
  in6_addr scratch{};
  if (out.ip.empty() || (inet_pton(AF_INET, out.ip.c_str(), &scratch) != 1 &&
                         inet_pton(AF_INET6, out.ip.c_str(), &scratch) != 1)) {
    throw fail("not an IP address (host names are not accepted)");
  }
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) throw fail("bad port");
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) throw fail("port out of range");
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

TsigAlgorithm ParseTsigAlgorithm(std::string_view text) {
  std::string s = ToLower(Trim(text));
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "hmac-md5" || s == "hmac-md5.sig-alg.reg.int")
    return TsigAlgorithm::kHmacMd5;
  if (s == "hmac-sha1") return TsigAlgorithm::kHmacSha1;
  if (s == "hmac-sha256") return TsigAlgorithm::kHmacSha256;
  if (s == "hmac-sha512") return TsigAlgorithm::kHmacSha512;
  if (s == "hmac-sha224" || s == "hmac-sha384") {
    throw UsageError("TSIG algorithm " + StripControl(text) +
                     " is not supported (ldns implements HMAC-MD5, HMAC-SHA1, "
                     "HMAC-SHA256 and HMAC-SHA512); use HMAC-SHA256 or "
                     "HMAC-SHA512");
  }
  throw UsageError("unknown TSIG algorithm \"" + StripControl(text) +
                   "\" (expected HMAC-MD5, HMAC-SHA1, HMAC-SHA256 or "
                   "HMAC-SHA512)");
}

std::string TsigAlgorithmName(TsigAlgorithm algorithm) {
  switch (algorithm) {
    case TsigAlgorithm::kHmacMd5:
      return "HMAC-MD5";
    case TsigAlgorithm::kHmacSha1:
      return "HMAC-SHA1";
    case TsigAlgorithm::kHmacSha256:
      return "HMAC-SHA256";
    case TsigAlgorithm::kHmacSha512:
      return "HMAC-SHA512";
  }
  return "HMAC-SHA256";
}

std::string RcodeName(int rcode) {
  static const char* const kNames[] = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  if (rcode >= 0 && rcode < static_cast<int>(std::size(kNames)))
    return kNames[rcode];
  return "RCODE " + std::to_string(rcode);
}

}  // namespace certpilot::solvers
