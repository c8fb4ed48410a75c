#include "solvers/self_check.h"

#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

std::string Bracketed(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

}  // namespace

std::optional<std::string> AwaitServed(http::HttpClient& http, Clock& clock,
                                       const SelfCheck& check) {
  http::Request req;
  req.url = "http://" + Bracketed(check.address) + ":" +
            std::to_string(check.port) + "/.well-known/acme-challenge/" +
            check.token;
  req.headers = {{"Host", Bracketed(check.name)}};
  req.max_body_bytes = 4096;
  std::string last;
  auto serves = [&] {
    try {
      http::Response resp = http.Do(req);
      if (resp.status == 200 && Trim(resp.body) == check.key_authorization)
        return true;
      last = "answered " + std::to_string(resp.status) +
             (resp.status == 200
                  ? " with something else than the key authorization"
                  : "");
    } catch (const http::TransportError& e) {
      last = "failed: " + StripControl(e.what());
    }
    return false;
  };
  if (PollUntil(clock, clock.Now() + check.timeout, {check.interval}, serves))
    return std::nullopt;
  return "GET " + req.url + " (Host: " + Bracketed(check.name) + ") " + last +
         " (checked for " + std::to_string(check.timeout.count() / 1000) +
         " s)";
}

}  // namespace certpilot::solvers
