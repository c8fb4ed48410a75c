// The self-check of the web-server authenticators (nginx, Apache): before
// the CA is told to look (RFC 8555 §8.2), ask the web server itself for the
// response as the CA will (RFC 8555 §8.3) —
//   GET http://ADDRESS:PORT/.well-known/acme-challenge/TOKEN, Host: NAME —
// polling with a deadline until it answers 200 with the key authorization.
// This replaces certbot's fixed sleep after a reload, and its race.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "http/http_client.h"
#include "util/clock.h"

namespace certpilot::solvers {

struct SelfCheck {
  std::string address;  // where the server listens ("127.0.0.1", "::1")
  int port = 80;
  std::string name;  // the Host header: the identifier
  std::string token;
  std::string key_authorization;
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds interval{100};
};

// nullopt once the response is served; else what the last attempt saw:
// "GET URL (Host: NAME) answered 404 (checked for 30 s)". `http` must allow
// plain http:// and must not follow redirects.
std::optional<std::string> AwaitServed(http::HttpClient& http, Clock& clock,
                                       const SelfCheck& check);

}  // namespace certpilot::solvers
