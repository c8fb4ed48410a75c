#include "crypto/pkcs12.h"

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

#include <string>

#include "crypto/crypto_error.h"
#include "crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::CachedKey;
using test_util::CertOptions;
using test_util::MakeCert;
using test_util::ToPem;

struct Material {
  std::string cert_pem, chain_pem;
};

// A leaf for the key of `spec` under an intermediate under a root: the
// chain is the intermediate and the root, leaf first.
Material MakeMaterial(const std::string& spec) {
  const PrivateKey& root_key = CachedKey("ecdsa-p384");
  const PrivateKey& inter_key = CachedKey("ecdsa-p256");
  CertOptions root_opt;
  root_opt.subject_cn = "Test Root";
  root_opt.ca = true;
  test_util::X509Owner root = MakeCert(root_opt, root_key.get());
  CertOptions inter_opt;
  inter_opt.subject_cn = "Test Intermediate";
  inter_opt.ca = true;
  inter_opt.serial_hex = "02";
  test_util::X509Owner inter =
      MakeCert(inter_opt, inter_key.get(), root.get(), root_key.get());
  CertOptions leaf_opt;
  leaf_opt.san = "DNS:leaf.example.com";
  leaf_opt.serial_hex = "03";
  test_util::X509Owner leaf =
      MakeCert(leaf_opt, CachedKey(spec).get(), inter.get(), inter_key.get());
  return {ToPem(leaf.get()), ToPem(inter.get()) + ToPem(root.get())};
}

class Pkcs12Test : public ::testing::TestWithParam<const char*> {};

// Read back with OpenSSL's own PKCS12_parse (not ParsePkcs12): the key, the
// certificate, both chain certificates and the alias are there.
TEST_P(Pkcs12Test, OpenSslReadsBackKeyCertificateChainAndAlias) {
  const PrivateKey& key = CachedKey(GetParam());
  Material m = MakeMaterial(GetParam());
  std::string der =
      BuildPkcs12(key, m.cert_pem, m.chain_pem, "www.example.com", "s3cret");

  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, long(der.size()));
  ASSERT_NE(p12, nullptr);
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  ASSERT_EQ(PKCS12_parse(p12, "s3cret", &pkey, &cert, &ca), 1);
  EXPECT_EQ(EVP_PKEY_eq(pkey, key.get()), 1);
  EXPECT_EQ(ToPem(cert), m.cert_pem);
  ASSERT_EQ(sk_X509_num(ca), 2);
  EXPECT_EQ(ToPem(sk_X509_value(ca, 0)) + ToPem(sk_X509_value(ca, 1)),
            m.chain_pem);
  int len = 0;
  const unsigned char* alias = X509_alias_get0(cert, &len);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alias), size_t(len)),
            "www.example.com");
  EVP_PKEY_free(pkey);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);

  // The MAC is HMAC-SHA256 (OpenSSL 3's and Java 17's default), not SHA-1.
  const X509_ALGOR* mac_alg = nullptr;
  PKCS12_get0_mac(nullptr, &mac_alg, nullptr, nullptr, p12);
  ASSERT_NE(mac_alg, nullptr);
  const ASN1_OBJECT* mac_oid = nullptr;
  X509_ALGOR_get0(&mac_oid, nullptr, nullptr, mac_alg);
  EXPECT_EQ(OBJ_obj2nid(mac_oid), NID_sha256);
  PKCS12_free(p12);
}

TEST_P(Pkcs12Test, ParsePkcs12ReturnsWhatWasBuilt) {
  const PrivateKey& key = CachedKey(GetParam());
  Material m = MakeMaterial(GetParam());
  Pkcs12Contents got = ParsePkcs12(
      BuildPkcs12(key, m.cert_pem, m.chain_pem, "lineage", "pw"), "pw");
  EXPECT_EQ(got.key.ToPem(), key.ToPem());
  EXPECT_EQ(got.certificate.ToPem(), m.cert_pem);
  ASSERT_EQ(got.chain.size(), 2u);
  EXPECT_EQ(got.chain[0].ToPem() + got.chain[1].ToPem(), m.chain_pem);
  EXPECT_EQ(got.friendly_name, "lineage");
}

TEST_P(Pkcs12Test, WrongPasswordFails) {
  Material m = MakeMaterial(GetParam());
  std::string der = BuildPkcs12(CachedKey(GetParam()), m.cert_pem, m.chain_pem,
                                "lineage", "right");
  EXPECT_THROW(ParsePkcs12(der, "wrong"), CryptoError);
  EXPECT_THROW(ParsePkcs12(der, ""), CryptoError);

  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, long(der.size()));
  ASSERT_NE(p12, nullptr);
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  EXPECT_EQ(PKCS12_parse(p12, "wrong", &pkey, &cert, nullptr), 0);
  ERR_clear_error();
  PKCS12_free(p12);
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, Pkcs12Test,
                         ::testing::Values("ecdsa-p256", "ecdsa-p384",
                                           "rsa-2048"),
                         test_util::SpecTestName);

TEST(Pkcs12, RefusesAKeyThatDoesNotMatchTheCertificate) {
  Material m = MakeMaterial("ecdsa-p256");
  EXPECT_THROW(
      BuildPkcs12(CachedKey("rsa-2048"), m.cert_pem, m.chain_pem, "x", "pw"),
      CryptoError);
}

TEST(Pkcs12, RefusesAnEmptyPassword) {
  Material m = MakeMaterial("ecdsa-p256");
  EXPECT_THROW(
      BuildPkcs12(CachedKey("ecdsa-p256"), m.cert_pem, m.chain_pem, "x", ""),
      CryptoError);
}

TEST(Pkcs12, RejectsBytesThatAreNotAKeystore) {
  EXPECT_THROW(ParsePkcs12("not a keystore", "pw"), CryptoError);
  EXPECT_THROW(ParsePkcs12("", "pw"), CryptoError);
}

}  // namespace
}  // namespace certpilot::crypto
