#include "solvers/dns01.h"

#include "crypto/digest.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::solvers {

std::string Dns01TxtValue(std::string_view key_authorization) {
  return Base64UrlEncode(crypto::Sha256(key_authorization));
}

std::string Dns01RecordName(const acme::Identifier& identifier) {
  if (identifier.type != "dns") {
    throw UsageError("dns-01 cannot validate the " +
                     StripControl(identifier.type) + " identifier " +
                     StripControl(identifier.value) +
                     " (only DNS names; RFC 8738 §7)");
  }
  std::string_view name = identifier.value;
  if (StartsWith(name, "*.")) name.remove_prefix(2);
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) throw UsageError("dns-01: empty identifier");
  return "_acme-challenge." + ToLower(name);
}

std::string Fqdn(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return std::string(name) + ".";
}

}  // namespace certpilot::solvers
