#include "dns_providers/aws_sigv4.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "crypto/digest.h"
#include "dns_providers/api_support.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX sequences decoded; anything else (a lone "%") kept as it is.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
        HexDigit(text[i + 2]) >= 0) {
      out += char(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// SigV4's UriEncode is QueryEscape: every byte but RFC 3986's unreserved
// ones as %XX, upper-case hex.
std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string> segments = Split(path, '/');
  for (std::string& s : segments) s = QueryEscape(PercentDecode(s));
  return Join(segments, "/");
}

std::string CanonicalQuery(std::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& part : Split(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string name = part.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
    params.emplace_back(QueryEscape(PercentDecode(name)),
                        QueryEscape(PercentDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::vector<std::string> joined;
  for (const auto& [name, value] : params) joined.push_back(name + "=" + value);
  return Join(joined, "&");
}

// Trimmed, with every inner run of spaces or tabs collapsed to one space.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : Trim(value)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Lower-case name → its values joined with ",", in the order sent.
std::map<std::string, std::string> CanonicalHeaderMap(
    const http::Headers& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    const std::string key = ToLower(Trim(name));
    auto [it, fresh] = out.emplace(key, CanonicalValue(value));
    if (!fresh) it->second += "," + CanonicalValue(value);
  }
  return out;
}

std::string HexSha256(std::string_view data) {
  return crypto::HexLower(crypto::Sha256(data));
}

std::string Scope(std::string_view amz_date, std::string_view region,
                  std::string_view service) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/" +
         std::string(service) + "/aws4_request";
}

}  // namespace

std::string SigV4SignedHeaders(const http::Headers& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : CanonicalHeaderMap(headers))
    names.push_back(name);
  return Join(names, ";");
}

std::string SigV4CanonicalRequest(const SigV4Input& input) {
  std::string headers;
  for (const auto& [name, value] : CanonicalHeaderMap(input.headers))
    headers += name + ":" + value + "\n";
  return input.method + "\n" + CanonicalUri(input.path) + "\n" +
         CanonicalQuery(input.query) + "\n" + headers + "\n" +
         SigV4SignedHeaders(input.headers) + "\n" + input.payload_hash;
}

std::string SigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
         std::string(scope) + "\n" + HexSha256(canonical_request);
}

std::string SigV4SigningKey(std::string_view secret, std::string_view date,
                            std::string_view region, std::string_view service) {
  std::string k = crypto::Hmac("HS256", "AWS4" + std::string(secret), date);
  k = crypto::Hmac("HS256", k, region);
  k = crypto::Hmac("HS256", k, service);
  return crypto::Hmac("HS256", k, "aws4_request");
}

std::string SigV4Signature(const AwsKey& key, std::string_view region,
                           std::string_view service, std::string_view amz_date,
                           const SigV4Input& input) {
  const std::string sts = SigV4StringToSign(
      amz_date, Scope(amz_date, region, service), SigV4CanonicalRequest(input));
  return crypto::HexLower(
      crypto::Hmac("HS256",
                   SigV4SigningKey(key.secret_access_key, amz_date.substr(0, 8),
                                   region, service),
                   sts));
}

std::string SigV4Authorization(const AwsKey& key, std::string_view region,
                               std::string_view service,
                               std::string_view amz_date,
                               const SigV4Input& input) {
  return std::string(kAlgorithm) + " Credential=" + key.access_key_id + "/" +
         Scope(amz_date, region, service) +
         ", SignedHeaders=" + SigV4SignedHeaders(input.headers) +
         ", Signature=" + SigV4Signature(key, region, service, amz_date, input);
}

std::string AmzDate(TimePoint t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void SignSigV4(http::Request& request, const AwsKey& key,
               std::string_view region, std::string_view service,
               TimePoint now) {
  // https://host[:port]/path?query
  const std::string& url = request.url;
  size_t scheme = url.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path_start = url.find('/', host_start);
  if (path_start == std::string::npos) path_start = url.size();
  size_t query_start = url.find('?', path_start);
  SigV4Input input;
  input.method = request.method;
  input.path = url.substr(path_start, query_start == std::string::npos
                                          ? std::string::npos
                                          : query_start - path_start);
  if (query_start != std::string::npos)
    input.query = url.substr(query_start + 1);
  const std::string amz_date = AmzDate(now);
  request.headers.emplace_back("Host",
                               url.substr(host_start, path_start - host_start));
  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (!key.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", key.session_token);
  input.headers = request.headers;
  input.payload_hash = HexSha256(request.body);
  request.headers.emplace_back(
      "Authorization",
      SigV4Authorization(key, region, service, amz_date, input));
}

}  // namespace certpilot::dns_providers
