#include "app/rules/challenge_choice.h"

#include <algorithm>

#include "acme/identifier.h"
#include "app/types/json_text.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

struct AuthenticatorTypes {
  const char* name;
  std::vector<std::string> can;  // everything it can answer
  std::vector<std::string>
      by_default;  // what it answers when nothing is preferred
};

const std::vector<AuthenticatorTypes>& Table() {
  // standalone answers tls-alpn-01 only when asked: by default it must not
  // bind port 443, where the web server usually is.
  static const std::vector<AuthenticatorTypes> table = {
      {"standalone", {"http-01", "tls-alpn-01"}, {"http-01"}},
      {"webroot", {"http-01"}, {"http-01"}},
      {"nginx", {"http-01"}, {"http-01"}},
      {"apache", {"http-01"}, {"http-01"}},
      {"manual", {"http-01", "dns-01"}, {"http-01", "dns-01"}},
      {"dns-rfc2136", {"dns-01"}, {"dns-01"}},
      // The DNS providers (dns_providers/providers.h), one row each.
      {"dns-powerdns", {"dns-01"}, {"dns-01"}},
      {"dns-cloudflare", {"dns-01"}, {"dns-01"}},
      {"dns-digitalocean", {"dns-01"}, {"dns-01"}},
      {"dns-linode", {"dns-01"}, {"dns-01"}},
      {"dns-route53", {"dns-01"}, {"dns-01"}},
      {"dns-google", {"dns-01"}, {"dns-01"}},
      {"dns-ovh", {"dns-01"}, {"dns-01"}},
      {"dns-acmedns", {"dns-01"}, {"dns-01"}},
      {"dns-hetzner", {"dns-01"}, {"dns-01"}},
      {"dns-gandi", {"dns-01"}, {"dns-01"}},
  };
  return table;
}

const AuthenticatorTypes& Find(const std::string& authenticator) {
  for (const auto& row : Table())
    if (authenticator == row.name) return row;
  throw UsageError(
      "unsupported authenticator \"" + StripControl(authenticator) +
      "\" (this build supports: " + Join(KnownAuthenticators(), ", ") + ")");
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string NormalizeName(const std::string& name) {
  return acme::ParseIdentifierInput(Trim(name)).value;
}

}  // namespace

const std::vector<std::string>& KnownAuthenticators() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& row : Table()) out.push_back(row.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& AnswerableChallengeTypes(
    const std::string& authenticator) {
  return Find(authenticator).can;
}

void ValidateAuthenticator(const std::string& authenticator) {
  Find(authenticator);
}

std::vector<std::string> NormalizeChallengeTypes(
    const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const std::string& raw : given) {
    std::string t = ToLower(Trim(raw));
    if (t == "http" || t == "dns" || t == "tls-alpn") t += "-01";
    if (t != "http-01" && t != "dns-01" && t != "tls-alpn-01")
      throw UsageError("--preferred-challenges: unknown challenge type \"" +
                       StripControl(raw) +
                       "\" (use http-01, dns-01 or tls-alpn-01)");
    if (!Contains(out, t)) out.push_back(t);
  }
  return out;
}

std::vector<std::string> ChallengeTypesFor(
    const std::string& authenticator,
    const std::vector<std::string>& preferred) {
  const AuthenticatorTypes& row = Find(authenticator);
  if (preferred.empty()) return row.by_default;
  std::vector<std::string> out;
  for (const std::string& t : preferred)
    if (Contains(row.can, t)) out.push_back(t);
  if (out.empty())
    throw UsageError("the " + authenticator + " authenticator cannot answer " +
                     Join(preferred, " or ") + " challenges; it answers " +
                     Join(row.can, ", "));
  return out;
}

void CheckIdentifiersProvable(const std::vector<acme::Identifier>& identifiers,
                              const std::vector<std::string>& types) {
  const bool dns = Contains(types, "dns-01");
  const bool other = types.size() > (dns ? 1u : 0u);
  for (const acme::Identifier& id : identifiers) {
    if (StartsWith(id.value, "*.") && !dns)
      throw UsageError(
          id.value +
          " is a wildcard: only a DNS-01 challenge can prove it "
          "(RFC 8555 §7.1.3); use --manual --preferred-challenges dns with a "
          "--manual-auth-hook, or --dns-rfc2136");
    if (id.type == "ip" && !other)
      throw UsageError(
          id.value +
          " is an IP address: DNS-01 cannot prove it (RFC 8738 §7); "
          "use an HTTP-01 or TLS-ALPN-01 authenticator");
  }
}

std::map<std::string, std::string> ResolveWebrootMap(
    std::vector<std::string>& domains, const std::vector<WebrootPathArg>& paths,
    const std::string& map_json) {
  std::map<std::string, std::string> map;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].path.empty())
      throw UsageError("--webroot-path must not be empty");
    if (i > 0 && paths.front().first_domain > 0)
      throw UsageError(
          "with several --webroot-path (-w) values, one must come before every "
          "-d: each -w applies to the -d values after it");
    const size_t end =
        i + 1 < paths.size() ? paths[i + 1].first_domain : domains.size();
    for (size_t d = paths[i].first_domain; d < end && d < domains.size(); ++d)
      map.emplace(NormalizeName(domains[d]), paths[i].path);
  }
  if (!map_json.empty()) {
    auto entries = ParseWebrootMapJson(map_json);
    if (!entries)
      throw UsageError(
          "--webroot-map must be a JSON object such as "
          "'{\"example.com,www.example.com\": \"/var/www/html\"}'");
    for (const auto& [names, path] : *entries) {
      if (path.empty())
        throw UsageError("--webroot-map: the webroot for \"" +
                         StripControl(names) + "\" must be a non-empty string");
      for (const std::string& name : Split(names, ',')) {
        if (Trim(name).empty()) continue;
        map[NormalizeName(name)] = path;
        bool listed = std::any_of(
            domains.begin(), domains.end(), [&](const std::string& d) {
              return NormalizeName(d) == NormalizeName(name);
            });
        if (!listed) domains.push_back(std::string(Trim(name)));
      }
    }
  }
  for (const std::string& d : domains) {
    const std::string name = NormalizeName(d);
    if (map.count(name)) continue;
    if (paths.empty())
      throw UsageError("no webroot for " + name +
                       ": give -w PATH before its -d, or "
                       "--webroot-map");
    map.emplace(name, paths.back().path);
  }
  return map;
}

}  // namespace certpilot::app
