// Parsing the head of an HTTP/1.x request (RFC 9112): the request line and
// the header fields a server must understand to answer and frame the
// connection (Host, Connection, Content-Length, Transfer-Encoding), from the
// front of the bytes received on a connection, within a size limit.
//
// Pure functions over caller-owned bytes: the views in the results point
// into `input`. Nothing is decoded or normalised (no percent-decoding, no
// dot-segment removal), so a caller matching paths sees exactly what the
// client sent. No exceptions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace certpilot::solvers {

struct HttpRequestHead {
  enum class Result {
    // No complete head yet and within the limit: read more. Nothing else is
    // set.
    kIncomplete,
    // Malformed or too large: answer `error_status` and close.
    kError,
    kComplete,
  };
  Result result = Result::kIncomplete;
  // kError: 400 (malformed), 414 (the request line alone exceeds the limit),
  // 431 (the head exceeds it) or 505 (not HTTP/1.x).
  int error_status = 0;
  // Bytes of `input` the head used (through its blank line; for 414/431,
  // everything received).
  size_t consumed = 0;

  // kComplete only.
  std::string_view method;             // a token, case-sensitive ("GET")
  std::string_view target;             // the request-target as sent
  bool http10 = false;                 // HTTP/1.0 (else 1.1 or a later 1.x)
  bool connection_close = false;       // "Connection: close"
  bool connection_keep_alive = false;  // "Connection: keep-alive"
  // A body follows (Content-Length > 0, or any Transfer-Encoding); its
  // framing is not parsed.
  bool has_body = false;
};

// Parses the request head at the front of `input`: empty lines before it are
// skipped (RFC 9112 §2.2), a bare LF ends a line as CRLF does, obs-fold and
// whitespace before a field's colon are errors, an HTTP/1.1 request must have
// exactly one Host (RFC 9112 §3.2), and repeated Content-Length values must
// agree (RFC 9110 §8.6). The head (request line + fields) may be at most
// `max_request_bytes` long.
HttpRequestHead ParseHttpRequestHead(std::string_view input,
                                     size_t max_request_bytes);

// The path of an origin-form ("/a?b") or absolute-form ("http://host/a")
// request target (RFC 9112 §3.2), without the query; nullopt for any other
// form ("*", "host:port", other schemes).
std::optional<std::string_view> HttpRequestPath(std::string_view target);

}  // namespace certpilot::solvers
