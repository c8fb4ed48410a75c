// An HttpClient decorator that records each exchange in the log at debug
// level, one line per response:
//   "POST https://ca.example/acme/new-order: 201, 1234 bytes, 85 ms"
// Only the method, the URL, the status, the body's size and the time taken:
// never headers or bodies (they carry JWS signatures, nonces, keys). A
// batch (DoAll) logs one line per request, each with the batch's time and
// "(1 of N)". A TransportError passes through unlogged here; whoever catches
// it reports it.
//
// Thread safety: that of the wrapped client.
#pragma once

#include <memory>
#include <vector>

#include "http/http_client.h"

namespace certpilot::http {

class LoggingHttpClient : public HttpClient {
 public:
  explicit LoggingHttpClient(std::unique_ptr<HttpClient> inner);
  Response Do(const Request& request) override;
  std::vector<Response> DoAll(const std::vector<Request>& requests) override;

 private:
  std::unique_ptr<HttpClient> inner_;
};

}  // namespace certpilot::http
