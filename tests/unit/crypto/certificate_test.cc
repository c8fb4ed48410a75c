#include "crypto/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto/crypto_error.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::CachedKey;
using test_util::CertOptions;
using test_util::MakeCert;
using test_util::X509Owner;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::time_t ToTimeT(std::chrono::system_clock::time_point t) {
  return std::chrono::system_clock::to_time_t(t);
}

// A CA (P-384) and a leaf (P-256) it issued, built with OpenSSL directly.
class CertificateTest : public ::testing::Test {
 protected:
  CertificateTest()
      : ca_key_(CachedKey("ecdsa-p384")), leaf_key_(CachedKey("ecdsa-p256")) {
    CertOptions ca;
    ca.subject_cn = "Test CA";
    ca.ca = true;
    ca.serial_hex = "7F";
    ca_ = MakeCert(ca, ca_key_.get());
    CertOptions leaf;
    leaf.san =
        "DNS:leaf.example.com,IP:127.0.0.1,DNS:*.example.com,IP:::1,"
        "IP:2001:db8::5";
    leaf.serial_hex = "00ABCDEF0123";
    leaf_ = MakeCert(leaf, leaf_key_.get(), ca_.get(), ca_key_.get());
    ca_pem_ = test_util::ToPem(ca_.get());
    leaf_pem_ = test_util::ToPem(leaf_.get());
  }

  const PrivateKey& ca_key_;
  const PrivateKey& leaf_key_;
  X509Owner ca_;
  X509Owner leaf_;
  std::string ca_pem_;
  std::string leaf_pem_;
};

TEST_F(CertificateTest, PemAndDerRoundTrip) {
  Certificate cert = Certificate::FromPem(leaf_pem_);
  EXPECT_EQ(cert.ToPem(), leaf_pem_);
  EXPECT_EQ(X509_cmp(cert.get(), leaf_.get()), 0);

  unsigned char* der = nullptr;
  int len = i2d_X509(leaf_.get(), &der);
  std::string der_bytes(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  EXPECT_EQ(Certificate::FromDer(der_bytes).ToPem(), leaf_pem_);
  EXPECT_THROW(Certificate::FromDer(der_bytes + "x"), CryptoError);
  EXPECT_THROW(Certificate::FromDer(der_bytes.substr(0, 100)), CryptoError);
}

TEST_F(CertificateTest, FromPemTakesTheFirstCertificate) {
  EXPECT_EQ(Certificate::FromPem(leaf_pem_ + ca_pem_).ToPem(), leaf_pem_);
  EXPECT_EQ(Certificate::FromPem(ca_pem_ + leaf_pem_).ToPem(), ca_pem_);
}

TEST_F(CertificateTest, FromPemRejectsGarbage) {
  EXPECT_THROW(Certificate::FromPem(""), CryptoError);
  EXPECT_THROW(Certificate::FromPem("not a certificate"), CryptoError);
  EXPECT_THROW(Certificate::FromPem(CachedKey("ecdsa-p256").ToPem()),
               CryptoError);
  std::string broken = leaf_pem_;
  broken.replace(100, 10, "!!!!!!!!!!");
  EXPECT_THROW(Certificate::FromPem(broken), CryptoError);
  EXPECT_EQ(ERR_peek_error(), 0u);  // the queue went into the exceptions
}

TEST_F(CertificateTest, DatesAndSerial) {
  Certificate cert = Certificate::FromPem(leaf_pem_);
  EXPECT_EQ(ToTimeT(cert.NotBefore()), 1700000000);
  EXPECT_EQ(ToTimeT(cert.NotAfter()), 1707776000);
  EXPECT_EQ(cert.SerialHex(), "abcdef0123");
  EXPECT_EQ(Certificate::FromPem(ca_pem_).SerialHex(), "7f");
}

TEST_F(CertificateTest, SerialEdgeCases) {
  for (const auto& [in, out] : std::vector<std::pair<std::string, std::string>>{
           {"0", "0"},
           {"80", "80"},
           {"0001", "1"},
           {"F0E1D2C3B4A5968778695A4B3C2D1E0F00112233",
            "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233"}}) {
    CertOptions opt;
    opt.serial_hex = in;
    X509Owner x = MakeCert(opt, leaf_key_.get());
    EXPECT_EQ(Certificate::FromPem(test_util::ToPem(x.get())).SerialHex(), out)
        << in;
  }
}

TEST_F(CertificateTest, TimesBeyond2262AreClampedNotWrapped) {
  CertOptions opt;
  opt.not_before = 0;            // 1970-01-01, UTCTime
  opt.not_after = 253402300799;  // 9999-12-31T23:59:59Z, GeneralizedTime
  X509Owner x = MakeCert(opt, leaf_key_.get());
  Certificate cert = Certificate::FromPem(test_util::ToPem(x.get()));
  EXPECT_EQ(ToTimeT(cert.NotBefore()), 0);
  EXPECT_EQ(cert.NotAfter(), std::chrono::system_clock::time_point::max());
  EXPECT_GT(cert.NotAfter(), cert.NotBefore());
}

TEST_F(CertificateTest, Names) {
  Certificate cert = Certificate::FromPem(leaf_pem_);
  EXPECT_EQ(cert.Subject(), "CN=leaf.example.com");
  EXPECT_EQ(cert.Issuer(), "CN=Test CA");
  EXPECT_EQ(cert.IssuerCommonName(), "Test CA");
  EXPECT_EQ(Certificate::FromPem(ca_pem_).Issuer(), "CN=Test CA");
}

TEST_F(CertificateTest, UnicodeNamesStayUtf8) {
  CertOptions opt;
  opt.subject_cn = "Zertifizierungsstelle M\xc3\xbcnchen";
  X509Owner x = MakeCert(opt, leaf_key_.get());
  Certificate cert = Certificate::FromPem(test_util::ToPem(x.get()));
  EXPECT_EQ(cert.IssuerCommonName(), opt.subject_cn);
  EXPECT_EQ(cert.Subject(), "CN=" + opt.subject_cn);
}

TEST_F(CertificateTest, SubjectAltNamesInOrder) {
  Certificate cert = Certificate::FromPem(leaf_pem_);
  EXPECT_THAT(cert.DnsNames(),
              ElementsAre("leaf.example.com", "*.example.com"));
  EXPECT_THAT(cert.IpAddresses(),
              ElementsAre("127.0.0.1", "::1", "2001:db8::5"));
  // The CA has no SAN extension at all.
  Certificate ca = Certificate::FromPem(ca_pem_);
  EXPECT_TRUE(ca.DnsNames().empty());
  EXPECT_TRUE(ca.IpAddresses().empty());
}

TEST_F(CertificateTest, OcspUrlsFromAuthorityInformationAccess) {
  CertOptions opt;
  opt.aia =
      "caIssuers;URI:http://ca.example/ca.der,OCSP;URI:http://o1.example,"
      "OCSP;URI:http://o2.example/";
  X509Owner with = MakeCert(opt, leaf_key_.get(), ca_.get(), ca_key_.get());
  EXPECT_THAT(Certificate::FromPem(test_util::ToPem(with.get())).OcspUrls(),
              ElementsAre("http://o1.example", "http://o2.example/"));
  EXPECT_TRUE(Certificate::FromPem(leaf_pem_).OcspUrls().empty());
}

TEST_F(CertificateTest, KeyMatching) {
  Certificate cert = Certificate::FromPem(leaf_pem_);
  EXPECT_EQ(cert.PublicKeyDer(), leaf_key_.PublicKeyDer());
  EXPECT_TRUE(cert.MatchesKey(leaf_key_));
  EXPECT_FALSE(cert.MatchesKey(ca_key_));
  EXPECT_FALSE(cert.MatchesKey(CachedKey("rsa-2048")));
  EXPECT_FALSE(cert.MatchesKey(PrivateKey::Generate({})));
  EXPECT_EQ(ERR_peek_error(), 0u);
  // A key restored from PEM is still "the" key.
  EXPECT_TRUE(cert.MatchesKey(PrivateKey::FromPem(leaf_key_.ToPem())));
}

TEST_F(CertificateTest, PublicKeySpec) {
  EXPECT_EQ(Certificate::FromPem(leaf_pem_).PublicKeySpec().Name(),
            "ecdsa-p256");
  EXPECT_EQ(Certificate::FromPem(ca_pem_).PublicKeySpec().Name(), "ecdsa-p384");
  const PrivateKey& rsa = CachedKey("rsa-2048");
  X509Owner x = MakeCert({}, rsa.get());
  Certificate cert = Certificate::FromPem(test_util::ToPem(x.get()));
  EXPECT_EQ(cert.PublicKeySpec().Name(), "rsa-2048");
  EXPECT_TRUE(cert.MatchesKey(rsa));
}

TEST_F(CertificateTest, IssuedBy) {
  Certificate leaf = Certificate::FromPem(leaf_pem_);
  Certificate ca = Certificate::FromPem(ca_pem_);
  EXPECT_TRUE(leaf.IssuedBy(ca));
  EXPECT_TRUE(ca.IssuedBy(ca));  // self-signed
  EXPECT_FALSE(ca.IssuedBy(leaf));
  EXPECT_FALSE(leaf.IssuedBy(leaf));

  // Same issuer name, different key: the signature check fails.
  CertOptions impostor_opt;
  impostor_opt.subject_cn = "Test CA";
  impostor_opt.ca = true;
  const PrivateKey& other_key = CachedKey("rsa-2048");
  X509Owner impostor = MakeCert(impostor_opt, other_key.get());
  EXPECT_FALSE(
      leaf.IssuedBy(Certificate::FromPem(test_util::ToPem(impostor.get()))));

  // Right key, different name: the name check fails.
  CertOptions renamed_opt;
  renamed_opt.subject_cn = "Other CA";
  renamed_opt.ca = true;
  X509Owner renamed = MakeCert(renamed_opt, ca_key_.get());
  EXPECT_FALSE(
      leaf.IssuedBy(Certificate::FromPem(test_util::ToPem(renamed.get()))));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateNullTest, NullHandleThrows) {
  EXPECT_THROW(Certificate(nullptr), CryptoError);
}

// ---- SplitPemChain --------------------------------------------------------

TEST_F(CertificateTest, SplitPemChainTwoCertificates) {
  EXPECT_THAT(SplitPemChain(leaf_pem_ + ca_pem_),
              ElementsAre(leaf_pem_, ca_pem_));
  // Whitespace around and between blocks is fine; CRLF line endings and a
  // missing final newline are normalised away.
  std::string crlf;
  for (char c : leaf_pem_ + "\n" + ca_pem_) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  crlf.pop_back();
  crlf.pop_back();
  EXPECT_THAT(SplitPemChain("\n  " + crlf + " \t\n"),
              ElementsAre(leaf_pem_, ca_pem_));
}

TEST_F(CertificateTest, SplitPemChainRejectsOtherBlocks) {
  const std::string key_pem = CachedKey("ecdsa-p256").ToPem();
  for (const std::string& chain : {leaf_pem_ + key_pem, key_pem + leaf_pem_,
                                   leaf_pem_ + key_pem + ca_pem_}) {
    try {
      SplitPemChain(chain);
      ADD_FAILURE() << "no exception";
    } catch (const CryptoError& e) {
      EXPECT_THAT(e.what(), HasSubstr("\"PRIVATE KEY\""));
      EXPECT_THAT(e.what(), HasSubstr("RFC 8555 §11.4"));
    }
  }
}

TEST_F(CertificateTest, SplitPemChainRejectsTextOutsideBlocks) {
  EXPECT_THROW(SplitPemChain(leaf_pem_ + "garbage\n" + ca_pem_), CryptoError);
  EXPECT_THROW(SplitPemChain("subject=CN=x\n" + leaf_pem_), CryptoError);
  EXPECT_THROW(SplitPemChain(leaf_pem_ + "."), CryptoError);
}

TEST_F(CertificateTest, SplitPemChainRejectsMalformedBlocks) {
  // Unterminated.
  EXPECT_THROW(SplitPemChain(leaf_pem_.substr(0, leaf_pem_.size() - 30)),
               CryptoError);
  // END of another type.
  std::string mismatched = leaf_pem_;
  mismatched.replace(mismatched.find("-----END CERTIFICATE"), 20,
                     "-----END X509 CRL---");
  EXPECT_THROW(SplitPemChain(mismatched), CryptoError);
  // Well-formed PEM around a body that is not a certificate.
  EXPECT_THROW(SplitPemChain("-----BEGIN CERTIFICATE-----\nAAAA\n"
                             "-----END CERTIFICATE-----\n"),
               CryptoError);
  // A block nested in a certificate block.
  std::string nested = leaf_pem_;
  nested.insert(nested.find('\n') + 1, "-----BEGIN PRIVATE KEY-----\n");
  EXPECT_THROW(SplitPemChain(nested), CryptoError);
}

TEST(SplitPemChainTest, EmptyChainIsAnError) {
  EXPECT_THROW(SplitPemChain(""), CryptoError);
  EXPECT_THROW(SplitPemChain(" \r\n\t\n"), CryptoError);
}

}  // namespace
}  // namespace certpilot::crypto

namespace certpilot::crypto {
namespace {

// RFC 9773 §4.1's example: keyIdentifier 69:88:5B:...:C8:D4, serial
// 0x0087654321 (DER content keeps the leading zero octet).
TEST(AriCertId, MatchesRfc9773Example) {
  test_util::CertOptions opt;
  opt.serial_hex = "87654321";
  opt.authority_key_id = std::string(
      "\x69\x88\x5B\x6B\x87\x46\x40\x41\xE1\xB3\x7B\x84\x7B\xA0\xAE\x2C\xDE\x01"
      "\xC8\xD4",
      20);
  PrivateKey key = PrivateKey::Generate({});
  Certificate cert = Certificate::FromPem(
      test_util::ToPem(test_util::MakeCert(opt, key.get()).get()));
  EXPECT_EQ(cert.AriCertId(), "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST(AriCertId, NeedsAnAuthorityKeyIdentifier) {
  PrivateKey key = PrivateKey::Generate({});
  Certificate cert = Certificate::FromPem(
      test_util::ToPem(test_util::MakeCert({}, key.get()).get()));
  EXPECT_THROW(cert.AriCertId(), CryptoError);
}

}  // namespace
}  // namespace certpilot::crypto
