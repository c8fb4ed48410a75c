#include "http/http_client.h"

#include <exception>

namespace certpilot::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Response::AllHeaders(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) values.push_back(value);
  }
  return values;
}

std::vector<Response> HttpClient::DoAll(const std::vector<Request>& requests) {
  std::vector<Response> responses(requests.size());
  std::exception_ptr first_failure;
  for (size_t i = 0; i < requests.size(); ++i) {
    try {
      responses[i] = Do(requests[i]);
    } catch (const TransportError&) {
      if (!first_failure) first_failure = std::current_exception();
    }
  }
  if (first_failure) std::rethrow_exception(first_failure);
  return responses;
}

}  // namespace certpilot::http
