// The HTTP seam. The ACME client talks only to this interface; the libcurl
// implementation lives in curl_http_client.{h,cc} and tests script a fake.
//
// Request and Response are plain values; copying them is safe from any
// thread. Whether an HttpClient is thread-safe is up to the implementation.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace certpilot::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";  // GET, HEAD, POST, PATCH, PUT or DELETE
  std::string url;
  Headers headers;  // sent as given
  std::string body;
  // Responses with a larger body are aborted with TransportError.
  size_t max_body_bytes = 1 << 20;
};

struct Response {
  int status = 0;
  Headers headers;  // names as received; lookups are case-insensitive
  std::string body;

  // First value of header `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // Every value of header `name`, in the order received (e.g. several Link
  // headers, RFC 8555 §7.4.2). Empty when there is none.
  std::vector<std::string> AllHeaders(std::string_view name) const;
};

// The request did not produce an HTTP response: DNS, connect, TLS, timeout,
// size cap, refused scheme. `url` is the request URL.
class TransportError : public Error {
 public:
  TransportError(const std::string& url, const std::string& message)
      : Error(message), url_(url) {}
  const std::string& url() const { return url_; }

 private:
  std::string url_;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one request; never follows redirects. Returns any HTTP status
  // (4xx/5xx are responses, not errors). Throws TransportError.
  virtual Response Do(const Request& request) = 0;

  // Performs `requests` as one batch and returns their responses in the same
  // order. An implementation may run them concurrently (the libcurl one
  // multiplexes them on one HTTP/2 connection, or opens parallel HTTP/1.1
  // connections), so a batch costs about one round trip instead of one per
  // request; callers must not depend on the order in which the server sees
  // them. Every request is attempted; then the first TransportError, in
  // request order, is thrown. The default runs them one after another
  // through Do() (fakes get batching for free).
  virtual std::vector<Response> DoAll(const std::vector<Request>& requests);
};

}  // namespace certpilot::http
