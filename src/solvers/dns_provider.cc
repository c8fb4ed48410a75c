#include "solvers/dns_provider.h"

#include "util/redact.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

constexpr size_t kMaxQuoted = 500;

// "/api/v1/servers/localhost/zones" from "http://host:8081/api/v1/...".
std::string PathOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

}  // namespace

void CheckApiResponse(const std::string& provider, const http::Request& request,
                      const http::Response& response,
                      const std::string& message,
                      const std::vector<std::string>& secrets) {
  if (response.status >= 200 && response.status < 300) return;
  std::string said = message.empty() ? response.body : message;
  said = std::string(Trim(said));
  if (said.size() > kMaxQuoted) said = said.substr(0, kMaxQuoted) + "...";
  std::optional<std::chrono::seconds> retry_after;
  if (response.status == 429) {
    if (std::optional<std::string> v = response.Header("Retry-After")) {
      long seconds = 0;
      bool digits = !v->empty();
      for (char c : *v) {
        if (c < '0' || c > '9' || seconds > 86400) {
          digits = false;
          break;
        }
        seconds = seconds * 10 + (c - '0');
      }
      if (digits) retry_after = std::chrono::seconds(seconds);
    }
  }
  std::string text = provider + " API: " + request.method + " " +
                     PathOf(request.url) + " answered " +
                     std::to_string(response.status);
  if (response.status == 429) {
    text += " (rate limited";
    if (retry_after)
      text += "; retry after " + std::to_string(retry_after->count()) + " s";
    text += ")";
  } else if (response.status == 401 || response.status == 403) {
    text += " (check the API key in the credentials file)";
  }
  if (!said.empty()) text += ": " + said;
  throw DnsProviderError(StripControl(RedactSecrets(text, secrets)),
                         response.status, retry_after);
}

}  // namespace certpilot::solvers
