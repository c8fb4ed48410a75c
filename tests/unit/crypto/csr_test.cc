#include "crypto/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto_error.h"
#include "unit/crypto/crypto_test_util.h"

namespace certpilot::crypto {
namespace {

using test_util::CachedKey;
using ::testing::ElementsAre;

struct ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;

void FreeExtensions(STACK_OF(X509_EXTENSION) * exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

// A CSR parsed back with OpenSSL, for inspection.
struct ParsedCsr {
  ReqPtr req;
  std::vector<std::string> sans;  // "DNS:name" / "IP:hex"
  bool san_critical = false;
  std::string tls_feature;  // DER value of the TLS feature extension
  int extension_count = 0;
};

ParsedCsr Parse(const std::string& der) {
  ParsedCsr out;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  out.req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_NE(out.req, nullptr);
  if (!out.req) return out;
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data()) + der.size());
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(out.req.get());
  out.extension_count = exts != nullptr ? sk_X509_EXTENSION_num(exts) : 0;
  for (int i = 0; i < out.extension_count; ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid == NID_subject_alt_name) {
      out.san_critical = X509_EXTENSION_get_critical(ext) != 0;
      auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
      for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
        if (name->type == GEN_DNS) {
          out.sans.push_back(
              "DNS:" + std::string(reinterpret_cast<const char*>(
                                       ASN1_STRING_get0_data(name->d.dNSName)),
                                   ASN1_STRING_length(name->d.dNSName)));
        } else if (name->type == GEN_IPADD) {
          out.sans.push_back("IP:" +
                             test_util::Hex(std::string(
                                 reinterpret_cast<const char*>(
                                     ASN1_STRING_get0_data(name->d.iPAddress)),
                                 ASN1_STRING_length(name->d.iPAddress))));
        }
      }
      GENERAL_NAMES_free(names);
    } else if (nid == NID_tlsfeature) {
      const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
      out.tls_feature = std::string(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
          ASN1_STRING_length(value));
    }
  }
  FreeExtensions(exts);
  return out;
}

std::string SubjectCommonName(X509_REQ* req) {
  X509_NAME* name = X509_REQ_get_subject_name(req);
  char buf[256] = {};
  int len = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof(buf));
  return len < 0 ? std::string() : std::string(buf, len);
}

class CsrKeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CsrKeyTest, SignedVersion1WithDnsAndIpSans) {
  const PrivateKey& key = CachedKey(GetParam());
  ParsedCsr csr = Parse(MakeCsrDer(
      key, {"192.0.2.7", "www.example.com", "*.example.com", "2001:db8::1"}));
  ASSERT_NE(csr.req, nullptr);
  EXPECT_EQ(X509_REQ_get_version(csr.req.get()), 0);
  // Self-signature valid under the CSR's key, which is the caller's key.
  EVP_PKEY* pub = X509_REQ_get0_pubkey(csr.req.get());
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(pub, key.get()), 1);
  EXPECT_EQ(X509_REQ_verify(csr.req.get(), pub), 1);
  // SHA-256 signature.
  const int sig_nid = X509_REQ_get_signature_nid(csr.req.get());
  int digest_nid = NID_undef;
  ASSERT_EQ(OBJ_find_sigid_algs(sig_nid, &digest_nid, nullptr), 1);
  EXPECT_EQ(digest_nid, NID_sha256);
  // SANs in order; IP literals as iPAddress (4 and 16 octets).
  EXPECT_THAT(csr.sans, ElementsAre("IP:c0000207", "DNS:www.example.com",
                                    "DNS:*.example.com",
                                    "IP:20010db8000000000000000000000001"));
  // CN is the first DNS name, not the IP that comes first.
  EXPECT_EQ(SubjectCommonName(csr.req.get()), "www.example.com");
  EXPECT_FALSE(csr.san_critical);
  EXPECT_EQ(csr.extension_count, 1);  // no Must-Staple unless asked
}

INSTANTIATE_TEST_SUITE_P(Keys, CsrKeyTest,
                         ::testing::Values("ecdsa-p256", "ecdsa-p384",
                                           "rsa-2048"),
                         [](const auto& p) {
                           std::string name = p.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(CsrTest, TamperedCsrFailsVerification) {
  const PrivateKey& key = CachedKey("ecdsa-p256");
  std::string der = MakeCsrDer(key, {"a.example.com"});
  // Change a byte inside the dNSName: still parses, no longer verifies.
  size_t at = der.find("a.example.com");
  ASSERT_NE(at, std::string::npos);
  der[at] = 'b';
  ParsedCsr csr = Parse(der);
  ASSERT_NE(csr.req, nullptr);
  EXPECT_NE(X509_REQ_verify(csr.req.get(), key.get()), 1);
  ERR_clear_error();
}

TEST(CsrTest, MustStapleAddsTlsFeatureStatusRequest) {
  ParsedCsr csr =
      Parse(MakeCsrDer(CachedKey("ecdsa-p256"), {"a.example.com"}, true));
  EXPECT_EQ(csr.extension_count, 2);
  EXPECT_EQ(test_util::Hex(csr.tls_feature), "3003020105");
}

TEST(CsrTest, LongFirstNameIsNotTheCommonName) {
  const std::string long_name = std::string(60, 'a') + ".example.com";  // 72
  ParsedCsr csr = Parse(
      MakeCsrDer(CachedKey("ecdsa-p256"), {long_name, "short.example.com"}));
  EXPECT_EQ(X509_NAME_entry_count(X509_REQ_get_subject_name(csr.req.get())), 0);
  EXPECT_THAT(csr.sans,
              ElementsAre("DNS:" + long_name, "DNS:short.example.com"));
  EXPECT_TRUE(csr.san_critical);  // RFC 5280 §4.2.1.6: empty subject
}

TEST(CsrTest, IpOnlyCsrHasEmptySubjectAndCriticalSan) {
  ParsedCsr csr = Parse(MakeCsrDer(CachedKey("ecdsa-p256"), {"::1"}));
  EXPECT_EQ(X509_NAME_entry_count(X509_REQ_get_subject_name(csr.req.get())), 0);
  EXPECT_THAT(csr.sans, ElementsAre("IP:00000000000000000000000000000001"));
  EXPECT_TRUE(csr.san_critical);
}

TEST(CsrTest, RejectsNoNamesAndInvalidNames) {
  const PrivateKey& key = CachedKey("ecdsa-p256");
  EXPECT_THROW(MakeCsrDer(key, {}), CryptoError);
  EXPECT_THROW(MakeCsrDer(key, {""}), CryptoError);
  EXPECT_THROW(MakeCsrDer(key, {"a.example.com", "bad name"}), CryptoError);
  EXPECT_THROW(MakeCsrDer(key, {"bad\nname"}), CryptoError);
  EXPECT_THROW(MakeCsrDer(key, {"b\xc3\xa4"
                                "d.example"}),
               CryptoError);
}

// ---- ParseCsr: CSRs someone else made (certonly --csr) ----

std::string DerToPem(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ReqPtr req(d2i_X509_REQ(nullptr, &p, long(der.size())));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, size_t(len));
  BIO_free(bio);
  return pem;
}

TEST(ParseCsrTest, ReadsNamesAndKeyFromDerAndPem) {
  const PrivateKey& key = CachedKey("ecdsa-p256");
  const std::string der =
      MakeCsrDer(key, {"a.example.com", "www.a.example.com", "127.0.0.1"});
  for (const std::string& input : {der, DerToPem(der)}) {
    crypto::ParsedCsr csr = ParseCsr(input);
    EXPECT_EQ(csr.der, der);
    EXPECT_THAT(csr.dns_names,
                ElementsAre("a.example.com", "www.a.example.com"));
    EXPECT_THAT(csr.ip_addresses, ElementsAre("127.0.0.1"));
    EXPECT_EQ(csr.public_key_der, key.PublicKeyDer());
  }
}

TEST(ParseCsrTest, ACommonNameMissingFromTheSansIsOrderedToo) {
  const PrivateKey& key = CachedKey("rsa-2048");
  ReqPtr req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_NID(
      subject, NID_commonName, MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("cn.example.com"), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key.get());
  ASSERT_GT(X509_REQ_sign(req.get(), key.get(), EVP_sha256()), 0);
  unsigned char* out = nullptr;
  int len = i2d_X509_REQ(req.get(), &out);
  std::string der(reinterpret_cast<char*>(out), size_t(len));
  OPENSSL_free(out);
  EXPECT_THAT(ParseCsr(der).dns_names, ElementsAre("cn.example.com"));
}

TEST(ParseCsrTest, RefusesGarbageAndBadSignatures) {
  EXPECT_THROW(ParseCsr("not a csr"), CryptoError);
  EXPECT_THROW(ParseCsr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                        "-----END CERTIFICATE REQUEST-----\n"),
               CryptoError);
  std::string der = MakeCsrDer(CachedKey("ecdsa-p256"), {"a.example.com"});
  der[der.find("a.example.com")] = 'b';
  try {
    ParseCsr(der);
    FAIL() << "a tampered CSR was accepted";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("signature does not verify"));
  }
}

}  // namespace
}  // namespace certpilot::crypto
