// Turning what a person typed (-d values) into ACME identifiers (RFC 8555
// §7.1.4, RFC 8738 for IP addresses), before any network or file work.
#pragma once

#include <string_view>
#include <vector>

#include "acme/types.h"

namespace certpilot::acme {

// Lowercases, strips one trailing dot, and classifies: an IPv4/IPv6 literal
// becomes {"ip", canonical text}; anything else must be a DNS name of LDH
// labels (1–63 characters, no leading/trailing hyphen), at most 253 in all,
// where "*" may appear only as the whole leftmost label. Throws UsageError
// naming the value and what is wrong with it.
Identifier ParseIdentifierInput(std::string_view input);

// Parses each and removes duplicates, keeping first-seen order.
std::vector<Identifier> ParseIdentifierInputs(
    const std::vector<std::string>& inputs);

}  // namespace certpilot::acme
