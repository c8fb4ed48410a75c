// libFuzzer target for the HTTP-01 responder's request parser
// (src/solvers/http_request.h: ParseHttpRequestHead) and the answer built
// from it (src/solvers/http01_responder.h: Http01Respond, the pure function
// the responder's connection handler wraps). Anyone who can reach port 80
// chooses these bytes.
//  - no exception, crash, leak or UB; the input is fed as a connection
//    would deliver it, request after request (pipelining), until the
//    parser wants more bytes or the answer closes;
//  - an incomplete head is within max_request_bytes; a complete or refused
//    one consumes at least one byte and no more than the input; a complete
//    one fits the limit, has a token method and a target without spaces or
//    control characters taken from the request line, and a path (if any)
//    that starts with "/" and is taken from the target;
//  - Http01Respond agrees with the parser (complete, consumed, error
//    status), has a known status, and its response is an HTTP/1.1 status
//    line with that status, headers and a Content-Length that matches the
//    body;
//  - 200 only for GET or HEAD of /.well-known/acme-challenge/<token> with a
//    token lookup() knows, and the body is then exactly its key
//    authorization (none for HEAD); lookup() only ever sees base64url.
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "solvers/http01_responder.h"
#include "solvers/http_request.h"
#include "util/base64url.h"

namespace {

constexpr std::string_view kToken =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr std::string_view kKeyAuthorization =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-"
    "EBXdN7cBkH1WOu0tA3M9fm21mqTI";
constexpr size_t kMaxRequestBytes = 1024;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckResponse(const certpilot::solvers::Http01Exchange& ex) {
  const int s = ex.status;
  Check(s == 200 || s == 400 || s == 404 || s == 405 || s == 414 || s == 431 ||
        s == 505);
  const std::string status_line = "HTTP/1.1 " + std::to_string(s) + " ";
  Check(ex.response.rfind(status_line, 0) == 0);
  const size_t head_end = ex.response.find("\r\n\r\n");
  Check(head_end != std::string::npos);
  const std::string head = ex.response.substr(0, head_end + 2);
  const std::string body = ex.response.substr(head_end + 4);
  const std::string cl = "\r\nContent-Length: ";
  const size_t at = head.find(cl);
  Check(at != std::string::npos);
  const size_t length = std::stoul(head.substr(at + cl.size()));
  // HEAD: the length of the GET body, no body.
  Check(body.empty() || body.size() == length);
  if (s == 200) Check(length == kKeyAuthorization.size());
  if (s == 200 && !body.empty()) Check(body == kKeyAuthorization);
  // Nothing a client sent is echoed into the head (no header injection).
  for (size_t i = 0; i + 1 < head.size(); ++i) {
    if (head[i] == '\n') Check(i > 0 && head[i - 1] == '\r');
  }
}

// Checks what the parser says about the front of `input`.
void CheckHead(std::string_view input,
               const certpilot::solvers::HttpRequestHead& head) {
  using Result = certpilot::solvers::HttpRequestHead::Result;
  if (head.result == Result::kIncomplete) {
    Check(input.size() <= kMaxRequestBytes);
    return;
  }
  Check(head.consumed >= 1 && head.consumed <= input.size());
  if (head.result == Result::kError) {
    const int s = head.error_status;
    Check(s == 400 || s == 414 || s == 431 || s == 505);
    return;
  }
  Check(head.consumed <= kMaxRequestBytes);
  const std::string_view used = input.substr(0, head.consumed);
  Check(used.back() == '\n');
  Check(!head.method.empty() && !head.target.empty());
  // Views into the request line, in order, one space apart.
  Check(head.method.data() >= used.data() &&
        head.target.data() == head.method.data() + head.method.size() + 1 &&
        head.target.data() + head.target.size() <= used.data() + used.size());
  for (char c : head.method) {  // a token (RFC 9110 §5.6.2)
    Check(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("!#$%&'*+-.^_`|~").find(c) !=
              std::string_view::npos);
  }
  for (char c : head.target) {
    Check(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  }
  // A path starts with "/" and is part of the target ("/" alone for an
  // absolute-form target that names only the host).
  if (auto path = certpilot::solvers::HttpRequestPath(head.target)) {
    Check(!path->empty() && path->front() == '/');
    Check(*path == "/" || (path->data() >= head.target.data() &&
                           path->data() + path->size() <=
                               head.target.data() + head.target.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto lookup = [](std::string_view token) -> std::optional<std::string> {
    Check(certpilot::IsBase64Url(token));
    if (token == kToken) return std::string(kKeyAuthorization);
    return std::nullopt;
  };
  while (true) {
    const certpilot::solvers::HttpRequestHead head =
        certpilot::solvers::ParseHttpRequestHead(input, kMaxRequestBytes);
    CheckHead(input, head);
    certpilot::solvers::Http01Exchange ex =
        certpilot::solvers::Http01Respond(input, kMaxRequestBytes, lookup);
    Check(ex.complete ==
          (head.result !=
           certpilot::solvers::HttpRequestHead::Result::kIncomplete));
    if (!ex.complete) return 0;
    Check(ex.consumed == head.consumed);
    if (head.result == certpilot::solvers::HttpRequestHead::Result::kError) {
      Check(ex.status == head.error_status && ex.close);
    }
    CheckResponse(ex);
    if (ex.status == 200) {
      const std::string_view request = input.substr(0, ex.consumed);
      Check(request.find(kToken) != std::string_view::npos);
      Check(request.find("GET ") != std::string_view::npos ||
            request.find("HEAD ") != std::string_view::npos);
    }
    if (ex.close) return 0;
    input.remove_prefix(ex.consumed);
  }
}
