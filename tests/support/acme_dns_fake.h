// A contract fake of acme-dns's HTTP API (github.com/joohoi/acme-dns,
// README "Update endpoint") over the HttpClient seam, for the unit tests
// and, behind HttpsFakeServer, the integration test: POST BASE/update with
// X-Api-User and X-Api-Key of the one registered account and
// {"subdomain", "txt"} where txt is 43 characters (a DNS-01 value); it
// keeps the last two values, as acme-dns does, and answers errors as
// acme-dns does ({"error": "forbidden"}, "bad_txt").
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.h"

namespace certpilot::testing {

struct AcmeDnsFakeAccount {
  std::string username, password, subdomain, fulldomain;
};

class AcmeDnsFake : public http::HttpClient {
 public:
  AcmeDnsFake(std::string base, AcmeDnsFakeAccount account)
      : base_(std::move(base)), account_(std::move(account)) {}

  // Thread-safe (the HTTPS server calls it from its connection threads).
  http::Response Do(const http::Request& r) override {
    std::lock_guard<std::mutex> lock(mu);
    http::Response out;
    out.status = 200;
    auto header = [&](const char* name) {
      for (const auto& [n, v] : r.headers)
        if (n == name) return v;
      return std::string();
    };
    if (r.method != "POST" || r.url != base_ + "/update") {
      out.status = 404;
      return out;
    }
    if (next_status) {
      out.status = *next_status;
      next_status.reset();
      out.body = R"({"error": "too many requests"})";
      return out;
    }
    nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    if (header("X-Api-User") != account_.username ||
        header("X-Api-Key") != account_.password || !body.is_object() ||
        body.value("subdomain", "") != account_.subdomain) {
      out.status = 401;
      out.body = R"({"error": "forbidden"})";
      return out;
    }
    const std::string txt = body.value("txt", "");
    if (txt.size() != 43) {
      out.status = 400;
      out.body = R"({"error": "bad_txt"})";
      return out;
    }
    values.push_back(txt);
    if (values.size() > 2) values.pop_front();
    if (on_change)
      on_change(account_.fulldomain, {values.begin(), values.end()});
    out.body = nlohmann::json{{"txt", txt}}.dump();
    return out;
  }
  std::mutex mu;
  std::deque<std::string> values;  // the account's TXT values, newest last
  std::optional<int> next_status;
  // Called (under mu) after each update with the fulldomain and its values.
  std::function<void(const std::string& name,
                     const std::vector<std::string>& values)>
      on_change;

 private:
  const std::string base_;
  const AcmeDnsFakeAccount account_;
};

}  // namespace certpilot::testing
