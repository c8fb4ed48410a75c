// DNS-01 values (RFC 8555 §8.4): where the TXT record goes and what it holds.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "acme/types.h"

namespace certpilot::solvers {

// The TXT record's content: base64url (no padding) of SHA-256 of the key
// authorization (RFC 8555 §8.4), 43 characters.
std::string Dns01TxtValue(std::string_view key_authorization);

// "_acme-challenge.<name>" without a trailing dot, lower-cased. `identifier`
// is the authorization's identifier: for a wildcard order (*.example.com)
// the CA sends "example.com" with wildcard=true, and the record is
// _acme-challenge.example.com (§8.4, §7.1.3). A stray "*." or trailing dot is
// dropped all the same. Throws UsageError for a non-DNS identifier (DNS-01
// cannot validate IP addresses, RFC 8738 §7).
std::string Dns01RecordName(const acme::Identifier& identifier);

// `name` with exactly one trailing dot ("a.example.com" → "a.example.com.").
std::string Fqdn(std::string_view name);

}  // namespace certpilot::solvers
