// base64url without padding (RFC 4648 §5), as ACME and JOSE use it
// (RFC 8555 §6.1, RFC 7515 §2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certpilot {

std::string Base64UrlEncode(std::string_view bytes);

// Returns nullopt for characters outside the base64url alphabet, for padding,
// and for a length that no encoding produces (len % 4 == 1).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// True if `text` is non-empty and uses only the base64url alphabet.
bool IsBase64Url(std::string_view text);

// Standard base64 with padding (RFC 4648 §4), for PEM bodies.
std::string Base64Encode(std::string_view bytes);
// Its inverse: the length must be a multiple of 4 with at most two '='
// at the end; nullopt otherwise, or for characters outside the alphabet.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace certpilot
