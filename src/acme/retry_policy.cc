#include "acme/retry_policy.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

namespace certpilot::acme {

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    TimePoint now) {
  std::string v(value);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
    v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
    v.erase(0, 1);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stol(v));
  }
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(when - now);
}

std::chrono::milliseconds NextPollDelay(
    const RetryPolicy& policy, std::chrono::milliseconds current,
    std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) {
    std::chrono::milliseconds ra = *retry_after;
    return std::clamp<std::chrono::milliseconds>(ra, policy.poll_initial,
                                                 policy.retry_after_cap);
  }
  auto next = std::chrono::milliseconds(
      static_cast<long long>(current.count() * policy.poll_growth));
  return std::clamp<std::chrono::milliseconds>(next, policy.poll_initial,
                                               policy.poll_max);
}

}  // namespace certpilot::acme
