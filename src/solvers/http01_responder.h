// The standalone HTTP-01 responder (RFC 8555 §8.3): a tiny HTTP/1.1 server
// that answers the CA's validation requests from an in-memory token map.
//
// One responder serves one run: parallel orders Add() their tokens to the
// same instance, so they share one port. Start() binds, listens and serves
// from one background thread; Stop() (or the destructor) closes every
// connection and joins it. The constructor does no I/O.
//
// Served: GET or HEAD /.well-known/acme-challenge/<token> for a token that has
// been Add()ed → 200, "Content-Type: text/plain", body = the key
// authorization (RFC 8555 §8.3). Everything else: 404 (unknown token or
// path), 405 (other methods), 400 (malformed request), 414/431 (request line
// or headers larger than max_request_bytes). Absolute-form targets
// ("GET http://host/.well-known/...") are accepted (RFC 9112 §3.2.2).
// HTTP/1.1 keep-alive and pipelining are supported; "Connection: close" and
// HTTP/1.0 without "Connection: keep-alive" close after the response. A
// request with a body (Content-Length > 0 or Transfer-Encoding) is answered
// and the connection closed, so request framing is never guessed.
//
// Connections are served by ConnectionServer (connection_server.h): idle
// and slowloris connections (a request's headers not complete
// header_timeout after its first byte) are closed, at most max_connections
// are open and a new one beyond that evicts the connection that has made no
// progress for longest, and writes never raise SIGPIPE. Requests are parsed
// by ParseHttpRequestHead (http_request.h). It never touches the filesystem.
//
// Thread safety: Add, Remove, port and requests_served may be called from any
// thread at any time. Start and Stop must not race each other.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "solvers/connection_server.h"  // ResponderError

namespace certpilot::solvers {

struct Http01ResponderOptions {
  // IP literal to listen on ("127.0.0.1", "::1", "[::1]"); never resolved.
  // "" = all addresses: [::] dual-stack (IPV6_V6ONLY=0), falling back to
  // 0.0.0.0 when IPv6 is unavailable.
  std::string address;
  int port = 80;  // 0 = an ephemeral port; see port()
  // Beyond systemd's default soft limit of 1024 descriptors: the process
  // raises its own (sys::RaiseOpenFileLimit); when descriptors still run
  // out, accept() failing with EMFILE evicts as this limit does.
  int max_connections = 4096;
  // Close a connection that has read or written nothing for this long.
  std::chrono::milliseconds idle_timeout{10'000};
  // Close a connection whose current request's headers are still incomplete
  // this long after its first byte, however slowly they trickle in.
  std::chrono::milliseconds header_timeout{10'000};
  // Cap on one request's request line + headers.
  size_t max_request_bytes = 8192;
};

// The responder's protocol logic as a pure function, for unit tests and the
// fuzz target; its connection handler is a thin shell around it. Looks at
// the front of `input` (the bytes received on a connection and not yet
// consumed).
struct Http01Exchange {
  // False: `input` holds no complete request yet and is within the limits;
  // read more. The other fields are then unset.
  bool complete = false;
  size_t consumed = 0;   // bytes of `input` this request used
  int status = 0;        // 200, 400, 404, 405, 414, 431 or 505
  std::string response;  // the complete HTTP/1.1 response to send
  bool close = false;    // close the connection after `response`
};
// `lookup(token)` returns the key authorization for a token, or nullopt.
Http01Exchange Http01Respond(
    std::string_view input, size_t max_request_bytes,
    const std::function<std::optional<std::string>(std::string_view token)>&
        lookup);

class Http01Responder {
 public:
  explicit Http01Responder(Http01ResponderOptions options);
  ~Http01Responder();  // Stop()
  Http01Responder(const Http01Responder&) = delete;
  Http01Responder& operator=(const Http01Responder&) = delete;

  // Binds, listens and starts the serving thread. Throws ResponderError, e.g.
  // "cannot listen on port 80 (127.0.0.1): Address already in use; stop the
  // process using it or use --webroot".
  // REQUIRES: not running (Start after Stop is allowed).
  void Start();
  // Closes the listener and every connection, and joins the thread.
  // Idempotent; returns promptly even with connections open.
  void Stop();

  // The bound port (the ephemeral one when options.port was 0).
  // REQUIRES: Start() succeeded.
  int port() const;

  // Serves `key_authorization` for `token` until Remove(token); replaces a
  // previous value. Tokens are base64url (RFC 8555 §8.1); any other token
  // can never match a request.
  void Add(const std::string& token, const std::string& key_authorization);
  // No-op for an unknown token.
  void Remove(const std::string& token);

  // Requests answered so far (responses queued, any status), across
  // Start/Stop cycles.
  uint64_t requests_served() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certpilot::solvers
