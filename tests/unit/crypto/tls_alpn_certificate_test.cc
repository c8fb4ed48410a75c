// The TLS-ALPN-01 challenge certificate (RFC 8737 §3), parsed back with
// OpenSSL directly.
#include "crypto/tls_alpn_certificate.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/private_key.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::AcmeIdentifierExtension;
using test_util::ParseDer;
using test_util::SubjectAltNames;
using test_util::X509Owner;

constexpr char kKeyAuth[] =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-"
    "EBXdN7cBkH1WOu0tA3M9fm21mqTI";

TEST(TlsAlpnCertificateTest, CarriesTheCriticalAcmeIdentifierAndOnlyTheName) {
  TlsAlpnCertificate c = MakeTlsAlpnCertificate("www.example.com", kKeyAuth);
  X509Owner cert = ParseDer(c.certificate.ToDer());
  ASSERT_TRUE(cert);
  auto ext = AcmeIdentifierExtension(cert.get());
  ASSERT_TRUE(ext);
  EXPECT_TRUE(ext->first) << "acmeIdentifier must be critical";
  // DER OCTET STRING (tag 0x04, length 32) of SHA-256(key authorization).
  EXPECT_EQ(ext->second, std::string("\x04\x20", 2) + Sha256(kKeyAuth));
  EXPECT_EQ(SubjectAltNames(cert.get()),
            std::vector<std::string>{"DNS:www.example.com"});
  // Self-signed with the P-256 key that comes with it.
  EXPECT_EQ(c.key.Spec(), KeySpec{});
  EXPECT_EQ(X509_verify(cert.get(), c.key.get()), 1);
  EXPECT_EQ(X509_check_private_key(cert.get(), c.key.get()), 1);
  // A fresh key per certificate.
  EXPECT_NE(MakeTlsAlpnCertificate("www.example.com", kKeyAuth).key.ToPem(),
            c.key.ToPem());
}

TEST(TlsAlpnCertificateTest, IpAddressesGetAnIpSan) {
  X509Owner v4 = ParseDer(
      MakeTlsAlpnCertificate("192.0.2.7", kKeyAuth).certificate.ToDer());
  EXPECT_EQ(SubjectAltNames(v4.get()),
            std::vector<std::string>{"IP:192.0.2.7"});
  X509Owner v6 = ParseDer(
      MakeTlsAlpnCertificate("2001:db8::1", kKeyAuth).certificate.ToDer());
  EXPECT_EQ(SubjectAltNames(v6.get()),
            std::vector<std::string>{"IP:2001:db8::1"});
}

TEST(TlsAlpnCertificateTest, NamesThatCannotBeADnsNameAreRefused) {
  for (const std::string& name :
       {std::string(), std::string("a b"), std::string("a\x01")}) {
    EXPECT_THROW(MakeTlsAlpnCertificate(name, kKeyAuth), CryptoError) << name;
  }
}

}  // namespace
}  // namespace certpilot::crypto
