#include "util/base64url.h"

#include <gtest/gtest.h>

#include "util/strings.h"

namespace certpilot {
namespace {

TEST(Base64Url, EncodesRfc4648Vectors) {
  // RFC 4648 §10, in the URL alphabet without padding.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64Url, DecodesAndRejects) {
  EXPECT_EQ(Base64UrlDecode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // padding is not base64url here
  EXPECT_FALSE(Base64UrlDecode("Z"));     // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zh"));    // non-zero trailing bits
  EXPECT_FALSE(Base64UrlDecode("a+b/"));
}

TEST(Base64Url, DecodesStandardPaddedBase64) {
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64Decode("+/8="), "\xfb\xff");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("Zm9vYg"));  // padding required
  EXPECT_FALSE(Base64Decode("-_8="));    // URL alphabet
  EXPECT_FALSE(Base64Decode("Zg=a"));
}

TEST(Base64Url, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  for (size_t n = 0; n < all.size(); n += 7)
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(all.substr(0, n))),
              all.substr(0, n));
}

TEST(Strings, StripControlReplacesControlCharacters) {
  EXPECT_EQ(StripControl("a\nb\x1b[31mc\x7f"), "a?b?[31mc?");
}

TEST(Strings, SplitTrimJoin) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Trim("  x y \r\n"), "x y");
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
}

}  // namespace
}  // namespace certpilot
