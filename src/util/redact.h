// Redaction of secrets from text bound for the terminal or the log file.
// Every line util/log.h writes passes through RedactSecrets, so a private key
// or an HMAC key that ends up in a message (a hook's output, an error that
// quotes a request, a command line) never reaches a log.
//
// Pure functions: values in, values out; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace certpilot {

// What replaces a redacted value.
inline constexpr char kRedacted[] = "[redacted]";
// What replaces a whole PEM private key block.
inline constexpr char kRedactedPrivateKey[] = "[redacted private key]";
// Literal secrets shorter than this are not redacted: too likely to match
// innocent text, and too short to be a key anyway.
inline constexpr size_t kMinLiteralSecretLength = 8;

// Returns `text` with these replaced:
//  - a PEM private key, from "-----BEGIN <label>PRIVATE KEY-----" to the
//    matching "-----END <label>PRIVATE KEY-----" (or to the end of the text
//    when there is none), by kRedactedPrivateKey; labels "", "RSA ", "EC ",
//    "ENCRYPTED " and any other of printable ASCII without "-", "[" or "]"
//    (so that no replacement can become part of a label: redacting twice
//    changes nothing);
//  - the string value of a JSON member that holds a JWK's private part
//    ("d", "p", "q", "dp", "dq", "qi": RFC 7518 §6.2.2, §6.3.2; "k": §6.4.1)
//    or a JWS signature ("signature": RFC 7515 §7.2.1), by kRedacted; also
//    in JSON quoted inside a JSON string (\"d\":\"...\");
//  - the value after "eab-hmac-key" (--eab-hmac-key X, --eab-hmac-key=X,
//    eab-hmac-key = X) or "EAB_HMAC_KEY" (CERTPILOT_EAB_HMAC_KEY=X), when
//    it is a base64url token of at least kMinLiteralSecretLength characters
//    ("--eab-hmac-key on the command line" stays as it is), by kRedacted;
//  - every occurrence of each of `literals` at least
//    kMinLiteralSecretLength bytes long, by kRedacted.
// Everything else is copied unchanged.
std::string RedactSecrets(std::string_view text,
                          const std::vector<std::string>& literals = {});

}  // namespace certpilot
