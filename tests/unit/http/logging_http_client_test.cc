#include "http/logging_http_client.h"

#include <gtest/gtest.h>

#include <memory>

#include "util/log.h"

namespace certpilot::http {
namespace {

class CannedClient : public HttpClient {
 public:
  Response Do(const Request&) override {
    Response r;
    r.status = 201;
    r.headers = {{"Replay-Nonce", "nonce-value"}};
    r.body = R"({"status":"pending"})";
    return r;
  }
};

class StringSink : public log::Sink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  std::string Append(std::string_view lines) override {
    *out_ += lines;
    return "";
  }

 private:
  std::string* out_;
};

TEST(LoggingHttpClientTest, LogsMethodUrlAndStatusButNoBodies) {
  std::string logged;
  log::SetLevel(log::Level::kError);
  log::SetFileSink(std::make_unique<StringSink>(&logged), log::Level::kDebug);
  LoggingHttpClient client(std::make_unique<CannedClient>());
  Request request;
  request.method = "POST";
  request.url = "https://ca.example/acme/new-order";
  request.body = R"({"protected":"eyJ","payload":"eyJ","signature":"c2ln"})";
  Response response = client.Do(request);
  log::SetFileSink(nullptr, log::Level::kDebug);
  log::SetLevel(log::Level::kInfo);

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"status":"pending"})");
  EXPECT_NE(logged.find(" DEBUG "), std::string::npos) << logged;
  EXPECT_NE(
      logged.find("POST https://ca.example/acme/new-order: 201, 20 bytes, "),
      std::string::npos)
      << logged;
  for (const char* absent : {"eyJ", "c2ln", "pending", "nonce-value"})
    EXPECT_EQ(logged.find(absent), std::string::npos)
        << absent << " in " << logged;
}

}  // namespace
}  // namespace certpilot::http
