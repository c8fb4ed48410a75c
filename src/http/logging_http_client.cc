#include "http/logging_http_client.h"

#include <chrono>

#include "util/log.h"
#include "util/strings.h"

namespace certpilot::http {

LoggingHttpClient::LoggingHttpClient(std::unique_ptr<HttpClient> inner)
    : inner_(std::move(inner)) {}

Response LoggingHttpClient::Do(const Request& request) {
  auto start = std::chrono::steady_clock::now();
  Response response = inner_->Do(request);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  log::Debug(StripControl(request.method) + " " + StripControl(request.url) +
             ": " + std::to_string(response.status) + ", " +
             std::to_string(response.body.size()) + " bytes, " +
             std::to_string(ms) + " ms");
  return response;
}

}  // namespace certpilot::http
