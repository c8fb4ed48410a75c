#include "http/logging_http_client.h"

#include <chrono>

#include "util/log.h"
#include "util/strings.h"

namespace certpilot::http {

LoggingHttpClient::LoggingHttpClient(std::unique_ptr<HttpClient> inner)
    : inner_(std::move(inner)) {}

namespace {

using Clock = std::chrono::steady_clock;

void LogExchange(const Request& request, const Response& response,
                 Clock::time_point start, const std::string& suffix) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                  start)
                .count();
  log::Debug(StripControl(request.method) + " " + StripControl(request.url) +
             ": " + std::to_string(response.status) + ", " +
             std::to_string(response.body.size()) + " bytes, " +
             std::to_string(ms) + " ms" + suffix);
}

}  // namespace

Response LoggingHttpClient::Do(const Request& request) {
  auto start = Clock::now();
  Response response = inner_->Do(request);
  LogExchange(request, response, start, "");
  return response;
}

std::vector<Response> LoggingHttpClient::DoAll(
    const std::vector<Request>& requests) {
  auto start = Clock::now();
  std::vector<Response> responses = inner_->DoAll(requests);
  for (size_t i = 0; i < requests.size(); ++i)
    LogExchange(requests[i], responses[i], start,
                requests.size() > 1 ? " (" + std::to_string(i + 1) + " of " +
                                          std::to_string(requests.size()) + ")"
                                    : "");
  return responses;
}

}  // namespace certpilot::http
