// Which challenge types a run answers, and whether its names can be proved
// that way at all — decided before any order is made (RFC 8555 §7.1.3: a
// wildcard can only be validated over DNS-01; RFC 8738 §7: an IP address
// never over DNS-01).
//
// Authenticators and the types they can answer, default order first:
//   standalone   http-01, tls-alpn-01 (tls-alpn-01 only when preferred)
//   webroot      http-01
//   nginx        http-01
//   manual       http-01, dns-01
//   dns-rfc2136  dns-01
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "acme/types.h"
#include "app/types/options.h"

namespace certpilot::app {

// The authenticators this build has, for messages and checks.
const std::vector<std::string>& KnownAuthenticators();

// Every challenge type `authenticator` can answer, default order first.
// Throws UsageError unless it is one of KnownAuthenticators().
const std::vector<std::string>& AnswerableChallengeTypes(
    const std::string& authenticator);

// Throws UsageError unless `authenticator` is one of KnownAuthenticators().
void ValidateAuthenticator(const std::string& authenticator);

// --preferred-challenges values (certbot's spellings: "http", "http-01",
// "dns", "dns-01", "tls-alpn", "tls-alpn-01"; any case) → the RFC names,
// duplicates dropped, order kept. Throws UsageError for anything else.
std::vector<std::string> NormalizeChallengeTypes(
    const std::vector<std::string>& given);

// The types `authenticator` answers, in the order to try them: `preferred`
// filtered to what it can do, or its default when `preferred` is empty.
// Throws UsageError when `preferred` leaves nothing ("the webroot
// authenticator cannot answer dns-01 challenges; it answers http-01").
std::vector<std::string> ChallengeTypesFor(
    const std::string& authenticator,
    const std::vector<std::string>& preferred);

// Throws UsageError naming the identifier when no type in `types` can prove
// it: a wildcard without dns-01 ("*.example.com is a wildcard: only DNS-01
// can prove it; use --manual --preferred-challenges dns or --dns-rfc2136"),
// an IP address with only dns-01.
void CheckIdentifiersProvable(const std::vector<acme::Identifier>& identifiers,
                              const std::vector<std::string>& types);

// certbot's -w/-d pairing: each -w applies to the -d values after it (up to
// the next -w); names given before the first -w, and names no -w reached,
// take the last -w given. With several -w, one must come before every -d
// (as certbot requires; otherwise the pairing is ambiguous). Then
// --webroot-map (a JSON object {"name[,name...]": "path"}) adds its
// entries; its names are appended to `domains` when missing (certbot: the
// map implies -d). Keys are the names as acme::ParseIdentifierInput
// normalises them. Throws UsageError on malformed JSON, an empty path, a
// misplaced -w, or a name left without a webroot.
std::map<std::string, std::string> ResolveWebrootMap(
    std::vector<std::string>& domains, const std::vector<WebrootPathArg>& paths,
    const std::string& map_json);

}  // namespace certpilot::app
