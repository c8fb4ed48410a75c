#include "crypto/private_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>
#include <string>

#include "crypto/crypto_error.h"
#include "crypto/jwk.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::CachedKey;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Writes `key` with OpenSSL's own PEM writer, in the traditional
// ("BEGIN EC PRIVATE KEY" / "BEGIN RSA PRIVATE KEY") structure.
std::string TraditionalPem(const PrivateKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(bio, key.get(), nullptr, nullptr, 0,
                                       nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

// ---- KeySpec -------------------------------------------------------------

TEST(KeySpecTest, NamesAreTheJsonKeyTypeValues) {
  EXPECT_EQ(KeySpec{}.Name(), "ecdsa-p256");
  EXPECT_EQ((KeySpec{KeyType::kEcdsa, 2048, "secp384r1"}.Name()), "ecdsa-p384");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 2048}.Name()), "rsa-2048");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 3072}.Name()), "rsa-3072");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 4096}.Name()), "rsa-4096");
}

TEST(KeySpecTest, FromNameIsTheInverseOfName) {
  for (const char* name :
       {"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"}) {
    std::optional<KeySpec> spec = KeySpec::FromName(name);
    ASSERT_TRUE(spec.has_value()) << name;
    EXPECT_EQ(spec->Name(), name);
  }
  EXPECT_EQ(KeySpec::FromName("rsa-4096")->rsa_bits, 4096);
  EXPECT_EQ(KeySpec::FromName("ecdsa-p384")->curve, "secp384r1");
  EXPECT_FALSE(KeySpec::FromName("rsa-1024").has_value());
  EXPECT_FALSE(KeySpec::FromName("ecdsa-p521").has_value());
  EXPECT_FALSE(KeySpec::FromName("").has_value());
  EXPECT_FALSE(KeySpec::FromName("RSA-2048").has_value());
}

// ---- Generation and PEM, for every supported spec -------------------------

class KeySpecParamTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KeySpecParamTest, GeneratedKeyHasItsSpecAndRoundTripsThroughPkcs8) {
  const std::string name = GetParam();
  const PrivateKey& key = CachedKey(name);
  EXPECT_EQ(key.Spec(), *KeySpec::FromName(name));
  EXPECT_EQ(key.Spec().Name(), name);

  const std::string pem = key.ToPem();
  EXPECT_THAT(pem, ::testing::StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(pem, ::testing::EndsWith("-----END PRIVATE KEY-----\n"));

  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
  EXPECT_EQ(parsed.ToPem(), pem);
  EXPECT_EQ(parsed.PublicKeyDer(), key.PublicKeyDer());
  EXPECT_EQ(parsed.Spec(), key.Spec());
}

TEST_P(KeySpecParamTest, TraditionalPemIsAccepted) {
  const PrivateKey& key = CachedKey(GetParam());
  const std::string pem = TraditionalPem(key);
  ASSERT_THAT(pem, MatchesRegex("-----BEGIN (RSA|EC) PRIVATE KEY-----\n.*"));
  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
  EXPECT_EQ(parsed.ToPem(), key.ToPem());
}

TEST_P(KeySpecParamTest, PublicKeyDerIsSubjectPublicKeyInfo) {
  const PrivateKey& key = CachedKey(GetParam());
  const std::string der = key.PublicKeyDer();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data()) + der.size());
  EXPECT_EQ(EVP_PKEY_eq(pub, key.get()), 1);
  EVP_PKEY_free(pub);
}

INSTANTIATE_TEST_SUITE_P(AllSpecs, KeySpecParamTest,
                         ::testing::ValuesIn(test_util::kAllSpecNames),
                         test_util::SpecTestName);

TEST(PrivateKeyTest, GenerateRejectsUnsupportedSpecs) {
  EXPECT_THROW(PrivateKey::Generate({KeyType::kRsa, 1024}), CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kRsa, 2047}), CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kEcdsa, 2048, "secp521r1"}),
               CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kEcdsa, 2048, ""}), CryptoError);
}

TEST(PrivateKeyTest, GeneratesDistinctKeys) {
  PrivateKey a = PrivateKey::Generate({});
  PrivateKey b = PrivateKey::Generate({});
  EXPECT_NE(a.PublicKeyDer(), b.PublicKeyDer());
  EXPECT_NE(JwkThumbprint(a), JwkThumbprint(b));
}

TEST(PrivateKeyTest, CopiesShareTheKey) {
  PrivateKey a = PrivateKey::Generate({});
  PrivateKey b = a;
  EXPECT_EQ(a.get(), b.get());
  PrivateKey c = std::move(b);
  EXPECT_EQ(c.get(), a.get());
}

TEST(PrivateKeyTest, NullHandleThrows) {
  EXPECT_THROW(PrivateKey(nullptr), CryptoError);
}

// ---- FromPem input handling ----------------------------------------------

TEST(PrivateKeyFromPemTest, SkipsEcParametersBlockBeforeTheKey) {
  // `openssl ecparam -name prime256v1 -genkey` output starts like this; the
  // body is the DER OID of prime256v1.
  const PrivateKey& key = CachedKey("ecdsa-p256");
  const std::string pem =
      "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
      "-----END EC PARAMETERS-----\n" +
      TraditionalPem(key);
  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
}

TEST(PrivateKeyFromPemTest, RejectsInputWithoutAPrivateKey) {
  try {
    PrivateKey::FromPem("hello");
    FAIL() << "no exception";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("parsing private key"));
  }
  EXPECT_THROW(PrivateKey::FromPem(""), CryptoError);
  // A public key is not a private key.
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, CachedKey("ecdsa-p256").get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string public_pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EXPECT_THROW(PrivateKey::FromPem(public_pem), CryptoError);
}

TEST(PrivateKeyFromPemTest, RejectsCorruptedBody) {
  std::string pem = CachedKey("ecdsa-p256").ToPem();
  pem[40] = pem[40] == 'A' ? 'B' : 'A';
  pem.insert(60, "!!!!");
  EXPECT_THROW(PrivateKey::FromPem(pem), CryptoError);
}

TEST(PrivateKeyFromPemTest, RejectsEncryptedKeys) {
  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, CachedKey("ecdsa-p256").get(),
                                          EVP_aes_256_cbc(), pass, 6, nullptr,
                                          nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  ASSERT_THAT(pem, HasSubstr("ENCRYPTED PRIVATE KEY"));
  try {
    PrivateKey::FromPem(pem);
    FAIL() << "no exception";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("encrypted"));
  }
}

TEST(PrivateKeyFromPemTest, RejectsUnsupportedKeyTypesAndCurves) {
  for (const char* alg : {"ED25519", "P-521"}) {
    EVP_PKEY* other = std::string(alg) == "ED25519"
                          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
    ASSERT_NE(other, nullptr) << alg;
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, other, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    EVP_PKEY_free(other);
    try {
      PrivateKey::FromPem(pem);
      FAIL() << alg << ": no exception";
    } catch (const CryptoError& e) {
      EXPECT_THAT(e.what(), HasSubstr("unsupported")) << alg;
    }
  }
}

}  // namespace
}  // namespace certpilot::crypto
