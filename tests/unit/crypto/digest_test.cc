#include "crypto/digest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto_error.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::Hex;

TEST(DigestTest, Sha256OfAbc) {
  // FIPS 180-2 appendix B.1.
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("").size(), 32u);
}

// FIPS 180-2 appendix A.1 ("abc") and the empty message.
TEST(DigestTest, Sha1HexOfAbc) {
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(DigestTest, Md5HexOfAbc) {
  // RFC 1321 appendix A.5.
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(HmacTest, Rfc4231TestCase2) {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  EXPECT_EQ(Hex(Hmac("HS256", key, data)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(Hmac("HS384", key, data)),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(Hex(Hmac("HS512", key, data)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(HmacTest, EmptyKeyIsAllowed) {
  // HMAC-SHA256 with an empty key and empty message (a well-known value).
  EXPECT_EQ(Hex(Hmac("HS256", "", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacTest, RejectsOtherAlgorithms) {
  for (const char* alg : {"HS1", "RS256", "hs256", ""}) {
    try {
      Hmac(alg, "k", "d");
      ADD_FAILURE() << alg << ": no exception";
    } catch (const CryptoError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("unsupported algorithm"));
    }
  }
}

}  // namespace
}  // namespace certpilot::crypto
