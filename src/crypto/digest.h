// Message digests and MACs: SHA-256 (RFC 7638 thumbprints, RFC 8555 §8.4
// DNS-01 values, RFC 8737 TLS-ALPN-01), MD5 (certbot's account ids) and
// HMAC (RFC 8555 §7.3.4 external account binding, AWS Signature Version 4).
//
// Values in, values out; throws CryptoError. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace certpilot::crypto {

// SHA-256 digest (32 raw bytes).
std::string Sha256(std::string_view data);
// Lower-case hex of raw bytes.
std::string HexLower(std::string_view bytes);
// Hex MD5 of data (certbot's account ids are md5 of the SPKI DER).
std::string Md5Hex(std::string_view data);
// Lower-case hex SHA-1 of data. Only for APIs that dictate it (OVH's request
// signature, "$1$" + SHA-1); never for anything of our own choosing.
std::string Sha1Hex(std::string_view data);
// HMAC (alg "HS256", "HS384", "HS512") of data under key, raw bytes (RFC 7518
// §3.2; ACME external account binding, RFC 8555 §7.3.4). Throws CryptoError
// for any other alg.
std::string Hmac(std::string_view alg, std::string_view key,
                 std::string_view data);

}  // namespace certpilot::crypto
