#include "http/http_client.h"

#include <gtest/gtest.h>

namespace certpilot::http {
namespace {

Response Sample() {
  Response response;
  response.status = 200;
  response.headers = {
      {"Content-Type", "application/json"},
      {"Link", "<https://ca.example/dir>;rel=\"index\""},
      {"replay-nonce", "abc"},
      {"LINK", "<https://ca.example/alt/1>;rel=\"alternate\""},
      {"link", "<https://ca.example/alt/2>;rel=\"alternate\""},
      {"X-Empty", ""},
  };
  return response;
}

TEST(ResponseTest, HeaderIsCaseInsensitiveAndReturnsFirst) {
  Response response = Sample();
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(response.Header("Replay-Nonce"), "abc");
  EXPECT_EQ(response.Header("link"), "<https://ca.example/dir>;rel=\"index\"");
  EXPECT_EQ(response.Header("x-empty"), "");
}

TEST(ResponseTest, MissingHeaderIsNullopt) {
  Response response = Sample();
  EXPECT_EQ(response.Header("Location"), std::nullopt);
  EXPECT_EQ(response.Header("Content-Typ"), std::nullopt);
  EXPECT_EQ(response.Header(""), std::nullopt);
  EXPECT_TRUE(response.AllHeaders("Location").empty());
}

TEST(ResponseTest, AllHeadersKeepsEveryValueInOrder) {
  Response response = Sample();
  EXPECT_EQ(response.AllHeaders("Link"),
            (std::vector<std::string>{
                "<https://ca.example/dir>;rel=\"index\"",
                "<https://ca.example/alt/1>;rel=\"alternate\"",
                "<https://ca.example/alt/2>;rel=\"alternate\""}));
  EXPECT_EQ(response.AllHeaders("replay-NONCE"),
            (std::vector<std::string>{"abc"}));
}

TEST(ResponseTest, LookupsDoNotFoldNonAsciiOrPunctuation) {
  Response response;
  response.headers = {{"X_A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(response.Header("X-A"), "2");
  EXPECT_EQ(response.Header("x_a"), "1");
}

}  // namespace
}  // namespace certpilot::http
