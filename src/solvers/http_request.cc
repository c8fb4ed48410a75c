#include "solvers/http_request.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "util/strings.h"

namespace certpilot::solvers {
namespace {

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar);
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ToLower(a) == ToLower(b);
}

HttpRequestHead Error(int status, size_t consumed) {
  HttpRequestHead head;
  head.result = HttpRequestHead::Result::kError;
  head.error_status = status;
  head.consumed = consumed;
  return head;
}

}  // namespace

HttpRequestHead ParseHttpRequestHead(std::string_view input,
                                     size_t max_request_bytes) {
  // RFC 9112 §2.2: ignore empty lines before the request line.
  size_t start = 0;
  while (start < input.size() &&
         (input[start] == '\r' || input[start] == '\n') &&
         start < max_request_bytes) {
    ++start;
  }
  // Split the header section into lines (CRLF, or a bare LF, ends a line).
  std::vector<std::string_view> lines;
  size_t pos = start;
  size_t end = std::string_view::npos;  // one past the blank line
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) {
      end = pos;
      break;
    }
    lines.push_back(line);
    if (pos > max_request_bytes) break;
  }
  if (end == std::string_view::npos && input.size() <= max_request_bytes) {
    return {};  // read more
  }
  if (end == std::string_view::npos || end > max_request_bytes) {
    // Too large: a request line that alone overflows is 414, else 431.
    size_t first_nl = input.find('\n', start);
    bool line_too_long =
        first_nl == std::string_view::npos || first_nl > max_request_bytes;
    return Error(line_too_long ? 414 : 431, input.size());
  }

  if (lines.empty()) return Error(400, end);
  // Request line: method SP request-target SP HTTP-version (RFC 9112 §3).
  std::string_view request_line = lines[0];
  size_t sp1 = request_line.find(' ');
  size_t sp2 =
      sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos ||
      request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, end);
  }
  HttpRequestHead head;
  head.method = request_line.substr(0, sp1);
  head.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = request_line.substr(sp2 + 1);
  if (!IsToken(head.method) || head.target.empty() || HasControl(head.target) ||
      head.target.find('\t') != std::string_view::npos) {
    return Error(400, end);
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Error(400, end);
  }
  if (version[5] != '1') return Error(505, end);
  head.http10 = version[7] == '0';

  // Header fields (RFC 9112 §5).
  int hosts = 0;
  std::optional<std::string_view> content_length;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    // No obs-fold, no whitespace before the colon, no bare CR or NUL.
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Error(400, end);
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = TrimOws(line.substr(colon + 1));
    if (HasControl(value)) return Error(400, end);
    if (EqualsNoCase(name, "host")) {
      ++hosts;
    } else if (EqualsNoCase(name, "connection")) {
      for (const std::string& option : Split(value, ',')) {
        std::string_view o = TrimOws(option);
        if (EqualsNoCase(o, "close")) head.connection_close = true;
        if (EqualsNoCase(o, "keep-alive")) head.connection_keep_alive = true;
      }
    } else if (EqualsNoCase(name, "content-length")) {
      // RFC 9110 §8.6: digits only; repeated values must agree.
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= '0' && c <= '9'; }) ||
          (content_length && *content_length != value)) {
        return Error(400, end);
      }
      content_length = value;
      if (value.find_first_not_of('0') != std::string_view::npos)
        head.has_body = true;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      head.has_body = true;
    }
  }
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  if (hosts > 1 || (!head.http10 && hosts == 0)) return Error(400, end);

  head.result = HttpRequestHead::Result::kComplete;
  head.consumed = end;
  return head;
}

std::optional<std::string_view> HttpRequestPath(std::string_view target) {
  if (target.empty()) return std::nullopt;
  if (target.front() != '/') {
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos ||
        !(EqualsNoCase(target.substr(0, scheme_end), "http") ||
          EqualsNoCase(target.substr(0, scheme_end), "https"))) {
      return std::nullopt;
    }
    size_t slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  return target.substr(0, target.find('?'));
}

}  // namespace certpilot::solvers
