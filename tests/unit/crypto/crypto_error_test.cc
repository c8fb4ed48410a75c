#include "crypto/crypto_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <string>

namespace certpilot::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(CryptoErrorTest, ThrowOpenSslErrorCarriesAndDrainsTheQueue) {
  const unsigned char junk[] = {0x30, 0x03, 0x01, 0x02};
  const unsigned char* p = junk;
  ASSERT_EQ(d2i_X509(nullptr, &p, sizeof(junk)), nullptr);
  ASSERT_NE(ERR_peek_error(), 0u);
  try {
    ThrowOpenSslError("parsing test input");
    FAIL() << "no exception";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), StartsWith("parsing test input: error:"));
    EXPECT_THAT(e.what(), HasSubstr("asn1"));
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CryptoErrorTest, EmptyQueueStillNamesTheOperation) {
  ERR_clear_error();
  try {
    ThrowOpenSslError("signing");
    FAIL() << "no exception";
  } catch (const Error& e) {  // a certpilot::Error, so main maps it to exit 1
    EXPECT_STREQ(e.what(), "signing: unknown OpenSSL error");
  }
}

}  // namespace
}  // namespace certpilot::crypto
