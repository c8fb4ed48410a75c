// JWS signatures (RFC 7515/7518) checked with OpenSSL's own verifier.
#include "crypto/jws.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <string>

#include "crypto/private_key.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::CachedKey;
using test_util::VerifyJwsSignature;

struct JwsCase {
  const char* spec;
  const char* alg;
  size_t signature_size;
};

class JwsTest : public ::testing::TestWithParam<JwsCase> {};

TEST_P(JwsTest, SignatureVerifiesAndTamperingIsDetected) {
  const JwsCase& c = GetParam();
  const PrivateKey& key = CachedKey(c.spec);
  EXPECT_EQ(JwsAlgorithm(key), c.alg);

  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9.eyJpZGVudGlmaWVycyI6W119";  // header.payload
  const std::string sig = SignJws(key, input);
  EXPECT_EQ(sig.size(), c.signature_size);
  EXPECT_TRUE(VerifyJwsSignature(key.get(), c.alg, input, sig));

  // Changed data, changed signature, another key: all rejected.
  std::string tampered_input = input;
  tampered_input[5] ^= 1;
  EXPECT_FALSE(VerifyJwsSignature(key.get(), c.alg, tampered_input, sig));
  std::string tampered_sig = sig;
  tampered_sig[sig.size() / 3] ^= 0x40;
  EXPECT_FALSE(VerifyJwsSignature(key.get(), c.alg, input, tampered_sig));
  // (RSA: another cached key, as generating a 4096-bit one takes seconds.)
  PrivateKey other =
      key.Spec().type == KeyType::kRsa
          ? CachedKey(key.Spec().rsa_bits == 2048 ? "rsa-3072" : "rsa-2048")
          : PrivateKey::Generate(key.Spec());
  EXPECT_FALSE(VerifyJwsSignature(other.get(), c.alg, input, sig));

  // The empty payload of POST-as-GET (RFC 8555 §6.3) signs too.
  EXPECT_TRUE(
      VerifyJwsSignature(key.get(), c.alg, "e30.", SignJws(key, "e30.")));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwsTest,
                         ::testing::Values(JwsCase{"ecdsa-p256", "ES256", 64},
                                           JwsCase{"ecdsa-p384", "ES384", 96},
                                           JwsCase{"rsa-2048", "RS256", 256},
                                           JwsCase{"rsa-4096", "RS256", 512}),
                         [](const auto& p) {
                           return std::string(p.param.alg) +
                                  std::to_string(p.param.signature_size);
                         });

TEST(JwsRawEcdsaTest, ShortRAndSArePaddedToFixedWidth) {
  // About 1 signature in 128 has r or s below 2^248. Every one must still be
  // 64 bytes (RFC 7518 §3.4) and verify; make sure we saw such a case.
  const PrivateKey& key = CachedKey("ecdsa-p256");
  int short_halves = 0;
  for (int i = 0; i < 2000 && short_halves < 3; ++i) {
    const std::string input = "message " + std::to_string(i);
    const std::string sig = SignJws(key, input);
    ASSERT_EQ(sig.size(), 64u);
    if (sig[0] == '\0' || sig[32] == '\0') {
      ++short_halves;
      EXPECT_TRUE(VerifyJwsSignature(key.get(), "ES256", input, sig)) << i;
    }
  }
  EXPECT_GT(short_halves, 0);
}

TEST(JwsRsaTest, Rs256IsDeterministicPkcs1v15) {
  // PKCS#1 v1.5 has no randomness; PSS would differ on every call.
  const PrivateKey& key = CachedKey("rsa-2048");
  EXPECT_EQ(SignJws(key, "abc"), SignJws(key, "abc"));
}

}  // namespace
}  // namespace certpilot::crypto
