// ParseHttpRequestHead and HttpRequestPath, the HTTP/1.x request parsing
// under the HTTP-01 responder (whose answers to the same inputs are tested
// in http01_responder_test.cc).
#include "solvers/http_request.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace certpilot::solvers {
namespace {

using Result = HttpRequestHead::Result;

TEST(HttpRequestHeadTest, ACompleteHeadIsTakenApartAsSent) {
  const std::string input =
      "\r\nGET /a%2Fb?q HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, "
      "Close\r\n\r\nNEXT";
  HttpRequestHead head = ParseHttpRequestHead(input, 8192);
  ASSERT_EQ(head.result, Result::kComplete);
  EXPECT_EQ(head.consumed, input.size() - 4);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/a%2Fb?q");
  EXPECT_FALSE(head.http10);
  EXPECT_TRUE(head.connection_close);
  EXPECT_TRUE(head.connection_keep_alive);
  EXPECT_FALSE(head.has_body);
}

TEST(HttpRequestHeadTest, BodiesAndVersionsAreReported) {
  HttpRequestHead http10 = ParseHttpRequestHead("HEAD * HTTP/1.0\n\n", 100);
  ASSERT_EQ(http10.result, Result::kComplete);
  EXPECT_TRUE(http10.http10);  // and no Host needed
  EXPECT_EQ(http10.method, "HEAD");
  EXPECT_EQ(http10.target, "*");
  for (const char* field :
       {"Content-Length: 1", "Content-Length: 007", "Transfer-Encoding: x"}) {
    HttpRequestHead head = ParseHttpRequestHead(
        "POST / HTTP/1.1\r\nHost: a\r\n" + std::string(field) + "\r\n\r\n",
        100);
    ASSERT_EQ(head.result, Result::kComplete) << field;
    EXPECT_TRUE(head.has_body) << field;
  }
  EXPECT_FALSE(
      ParseHttpRequestHead("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 00"
                           "\r\n\r\n",
                           100)
          .has_body);
}

TEST(HttpRequestHeadTest, ErrorsSayWhichStatusAndHowMuchToDrop) {
  const std::string bad = "GET / HTTP/1.1\r\n\r\n";  // no Host
  HttpRequestHead head = ParseHttpRequestHead(bad + "more", 100);
  EXPECT_EQ(head.result, Result::kError);
  EXPECT_EQ(head.error_status, 400);
  EXPECT_EQ(head.consumed, bad.size());
  EXPECT_EQ(ParseHttpRequestHead("GET / HTTP/2.0\r\n\r\n", 100).error_status,
            505);
  const std::string long_line = "GET /" + std::string(200, 'a');
  head = ParseHttpRequestHead(long_line, 100);
  EXPECT_EQ(head.error_status, 414);
  EXPECT_EQ(head.consumed, long_line.size());
  EXPECT_EQ(
      ParseHttpRequestHead("GET / HTTP/1.1\r\nX: " + std::string(200, 'b'), 100)
          .error_status,
      431);
}

TEST(HttpRequestHeadTest, APartialHeadWithinTheLimitAsksForMore) {
  const std::string input = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t n = 0; n < input.size(); ++n) {
    EXPECT_EQ(ParseHttpRequestHead(input.substr(0, n), 100).result,
              Result::kIncomplete)
        << n;
  }
  EXPECT_EQ(ParseHttpRequestHead(input, input.size()).result,
            Result::kComplete);
  EXPECT_EQ(ParseHttpRequestHead(input, input.size() - 1).result,
            Result::kError);
}

TEST(HttpRequestPathTest, OriginAndAbsoluteFormsOnly) {
  EXPECT_EQ(HttpRequestPath("/a/b?c=d"),
            std::optional<std::string_view>("/a/b"));
  EXPECT_EQ(HttpRequestPath("HTTP://host:80/x?y"),
            std::optional<std::string_view>("/x"));
  EXPECT_EQ(HttpRequestPath("https://host"),
            std::optional<std::string_view>("/"));
  EXPECT_EQ(HttpRequestPath("*"), std::nullopt);
  EXPECT_EQ(HttpRequestPath("host:443"), std::nullopt);
  EXPECT_EQ(HttpRequestPath("ftp://host/x"), std::nullopt);
  EXPECT_EQ(HttpRequestPath(""), std::nullopt);
}

}  // namespace
}  // namespace certpilot::solvers
