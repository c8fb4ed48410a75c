// The JSON mapping of RFC 8555 objects: the only place where ACME field
// names appear. Parsers take the response body and the URL it came from (for
// messages), check types, required fields and https URLs, and throw
// ProtocolError naming the field when the CA sent something malformed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "acme/problem.h"
#include "acme/types.h"

namespace certpilot::acme::json {

Directory ParseDirectory(std::string_view body);
Account ParseAccount(std::string_view body, const std::string& url);
Order ParseOrder(std::string_view body, const std::string& url);
Authorization ParseAuthorization(std::string_view body, const std::string& url);
Challenge ParseChallenge(std::string_view body);
// RFC 9773 §4.2; the window's end must be after its start.
RenewalInfo ParseRenewalInfo(std::string_view body);
// Never throws: an unparseable body yields a Problem with the raw text as
// detail (a CA error page is still worth showing).
Problem ParseProblem(std::string_view body, int status);

// Payloads (compact JSON text).
std::string NewAccountPayload(const std::vector<std::string>& contact,
                              bool terms_of_service_agreed,
                              bool only_return_existing,
                              const std::string& external_account_binding_jws);
std::string NewOrderPayload(const std::vector<Identifier>& identifiers,
                            const std::string& replaces,
                            const std::string& profile);
std::string FinalizePayload(std::string_view csr_der);
std::string RevokePayload(std::string_view cert_der, int reason);
std::string UpdateAccountPayload(const std::vector<std::string>& contact);
std::string DeactivatePayload();
// §7.3.5: {"account": <account URL>, "oldKey": <old public JWK>}.
std::string KeyChangePayload(std::string_view account_url,
                             std::string_view old_jwk_json);
std::string EmptyObjectPayload();  // "{}" (challenge response, §7.5.1)

// Flattened JWS JSON serialization (RFC 7515 §7.2.2) from its parts.
std::string JwsJson(std::string_view protected_b64,
                    std::string_view payload_b64,
                    std::string_view signature_b64);
// The protected header: alg, nonce (omitted when empty — EAB, §7.3.4), url,
// and exactly one of jwk (canonical JWK JSON text) or kid (§6.2).
std::string ProtectedHeader(std::string_view alg, std::string_view jwk_json,
                            std::string_view kid, std::string_view nonce,
                            std::string_view url);

// True for an absolute https:// URL with a host (§6.1).
bool IsHttpsUrl(std::string_view url);

}  // namespace certpilot::acme::json
