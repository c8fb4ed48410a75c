// A generic HTTPS server for tests: 127.0.0.1 on an ephemeral port, a
// throwaway self-signed P-256 certificate for IP:127.0.0.1 and
// DNS:localhost (written to ca_bundle(), for --ca-bundle or
// CurlOptions::ca_bundle), HTTP/1.1 with keep-alive and Content-Length
// bodies (what libcurl sends). Every request goes to the handler, after an
// optional raw `wire` hook, and is recorded.
//
// Used by TlsStubCa (an ACME CA) and the DNS provider API contract fakes
// (tests/support/dns_api_fakes). Each connection has its own thread, so the
// handler and `wire` are called concurrently: they must be thread-safe.
// The destructor stops everything, including a drip in progress, without
// waiting for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"

namespace certpilot::testing {

struct HttpsRequest {
  std::string method;
  std::string target;     // path and query as on the request line
  http::Headers headers;  // as received
  std::string body;

  // First value of header `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  std::string Path() const;   // target up to '?'
  std::string Query() const;  // target after '?', "" when none
  // The query's parameters, percent-decoded ('+' stays '+'), in order.
  std::vector<std::pair<std::string, std::string>> QueryParams() const;
  // An application/x-www-form-urlencoded body's parameters, decoded alike.
  std::vector<std::pair<std::string, std::string>> FormParams() const;
};

// Raw bytes for what no well-formed response can express.
struct WireReply {
  // Written as is: status line, headers, the blank line, perhaps a body.
  std::string head;
  // Then this many bytes of 'x' ...
  uint64_t stream_bytes = 0;
  // ... in bulk, or one byte per `drip` when it is not zero.
  std::chrono::milliseconds drip{0};
  // Close the connection after the reply (else keep it for the next one).
  bool close_after = true;
};

class HttpsFakeServer {
 public:
  using Handler = std::function<http::Response(const HttpsRequest&)>;
  using Wire = std::function<std::optional<WireReply>(const HttpsRequest&)>;

  // Listens and serves at once. A handler that throws answers 500 with the
  // exception's message as the body.
  explicit HttpsFakeServer(Handler handler, Wire wire = nullptr);
  ~HttpsFakeServer();
  HttpsFakeServer(const HttpsFakeServer&) = delete;
  HttpsFakeServer& operator=(const HttpsFakeServer&) = delete;

  int port() const;
  std::string base() const;  // https://127.0.0.1:PORT
  const std::string& ca_bundle() const { return ca_bundle_; }

  // Every request served so far, in arrival order.
  std::vector<HttpsRequest> requests() const;

  // Bytes of stream_bytes bodies actually written (the client hanging up
  // stops a stream early).
  uint64_t bytes_streamed() const { return bytes_streamed_.load(); }

 private:
  struct Impl;
  Handler handler_;
  Wire wire_;
  std::string ca_bundle_;
  std::atomic<uint64_t> bytes_streamed_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace certpilot::testing
