#include "util/redact.h"

#include <array>

#include "util/strings.h"

namespace certpilot {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN ";
constexpr std::string_view kPemDashes = "-----";

// JSON members whose string value is secret: a JWK's private parts and a
// JWS signature.
bool IsSecretMember(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "d", "p", "q", "dp", "dq", "qi", "k", "signature"};
  for (std::string_view n : kNames)
    if (name == n) return true;
  return false;
}

// RFC 7468 §3: printable ASCII but "-", on the BEGIN line; and no "[" or
// "]", which no real label has: otherwise a replacement ("[redacted private
// key]") could complete the label of a BEGIN line left before it, and a
// second pass would redact again (found by the redact fuzzer).
bool IsPemLabel(std::string_view label) {
  for (char c : label)
    if (c < 0x20 || c > 0x7e || c == '-' || c == '[' || c == ']') return false;
  return true;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

size_t SkipBlanks(std::string_view t, size_t i) {
  while (i < t.size() && IsBlank(t[i])) ++i;
  return i;
}

// The length of the quote at `i`: 1 for ", 2 for \" (JSON inside a JSON
// string), 0 when there is none.
size_t QuoteAt(std::string_view t, size_t i) {
  if (i < t.size() && t[i] == '"') return 1;
  if (i + 1 < t.size() && t[i] == '\\' && t[i + 1] == '"') return 2;
  return 0;
}

std::string RedactPemPrivateKeys(std::string_view text) {
  std::string out;
  size_t pos = 0;
  for (size_t begin;
       (begin = text.find(kPemBegin, pos)) != std::string_view::npos;) {
    size_t label_at = begin + kPemBegin.size();
    size_t label_end = text.find(kPemDashes, label_at);
    if (label_end == std::string_view::npos) break;
    std::string_view label = text.substr(label_at, label_end - label_at);
    if (!IsPemLabel(label) || !EndsWith(label, "PRIVATE KEY")) {
      out.append(text.substr(pos, label_at - pos));
      pos = label_at;
      continue;
    }
    std::string end_marker = "-----END " + std::string(label) + "-----";
    size_t end = text.find(end_marker, label_end);
    out.append(text.substr(pos, begin - pos));
    out += kRedactedPrivateKey;
    pos = end == std::string_view::npos ? text.size() : end + end_marker.size();
  }
  out.append(text.substr(pos));
  return out;
}

// "name" <blanks> : <blanks> "value" with a secret name: the value goes.
// Values end at the next quote or backslash (secrets are base64url).
std::string RedactJsonMembers(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t open = QuoteAt(text, i);
    if (open == 0) continue;
    size_t name_at = i + open, name_end = name_at;
    while (name_end < text.size() && text[name_end] >= 'a' &&
           text[name_end] <= 'z')
      ++name_end;
    size_t close = QuoteAt(text, name_end);
    if (close == 0 || !IsSecretMember(text.substr(name_at, name_end - name_at)))
      continue;
    size_t colon = SkipBlanks(text, name_end + close);
    if (colon >= text.size() || text[colon] != ':') continue;
    size_t value_quote = SkipBlanks(text, colon + 1);
    size_t value_open = QuoteAt(text, value_quote);
    if (value_open == 0) continue;
    size_t value_at = value_quote + value_open, value_end = value_at;
    while (value_end < text.size() && text[value_end] != '"' &&
           text[value_end] != '\\')
      ++value_end;
    out.append(text.substr(copied, value_at - copied));
    out += kRedacted;
    copied = value_end;
    i = value_end - 1;  // the loop's ++i lands on the closing quote
  }
  out.append(text.substr(copied));
  return out;
}

// The base64url token after `name` and a separator ("=", ":" or blanks),
// when it is long enough to be a key: "--eab-hmac-key on the command line"
// keeps its "on".
std::string RedactValuesAfter(std::string_view text, std::string_view name,
                              std::string_view separators) {
  std::string out;
  size_t copied = 0;
  for (size_t at; (at = text.find(name, copied)) != std::string_view::npos;) {
    size_t after = at + name.size();
    size_t value_at = SkipBlanks(text, after);
    if (value_at < text.size() &&
        separators.find(text[value_at]) != std::string_view::npos)
      value_at = SkipBlanks(text, value_at + 1);
    size_t value_end = value_at;
    while (value_end < text.size() &&
           (IsWordChar(text[value_end]) || text[value_end] == '='))
      ++value_end;
    // A value needs a separator or a blank before it (not so the "-file" of
    // eab-hmac-key-file), and a key's length.
    bool is_key =
        value_at > after && value_end - value_at >= kMinLiteralSecretLength;
    out.append(text.substr(copied, (is_key ? value_at : after) - copied));
    if (is_key) out += kRedacted;
    copied = is_key ? value_end : after;
  }
  out.append(text.substr(copied));
  return out;
}

std::string RedactLiteral(std::string_view text, std::string_view secret) {
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find(secret); at != std::string_view::npos;
       at = text.find(secret, at + secret.size())) {
    out.append(text.substr(copied, at - copied));
    out += kRedacted;
    copied = at + secret.size();
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

std::string RedactSecrets(std::string_view text,
                          const std::vector<std::string>& literals) {
  std::string out = RedactJsonMembers(text);
  out = RedactValuesAfter(out, "eab-hmac-key", "=:");
  out = RedactValuesAfter(out, "EAB_HMAC_KEY", "=:");
  for (const std::string& secret : literals)
    if (secret.size() >= kMinLiteralSecretLength)
      out = RedactLiteral(out, secret);
  // Last: "-----BEGIN " + "[redacted]" + " PRIVATE KEY-----" is a key too.
  return RedactPemPrivateKeys(out);
}

}  // namespace certpilot
