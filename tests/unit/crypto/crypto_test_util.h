// Helpers for the crypto unit tests. They use OpenSSL directly, not the code
// under test, so that what they check is checked independently.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/private_key.h"

namespace certpilot::crypto::test_util {

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Owner = std::unique_ptr<X509, X509Free>;

inline std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Every spec name KeySpec::FromName accepts, and the test name for each
// ("ecdsa_p256"), for suites run once per spec:
//   INSTANTIATE_TEST_SUITE_P(AllSpecs, T, ::testing::ValuesIn(kAllSpecNames),
//                            SpecTestName);
inline constexpr const char* kAllSpecNames[] = {
    "ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"};
inline std::string SpecTestName(
    const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// One generated key per spec name ("ecdsa-p256", "rsa-2048", ...), shared by
// every test in the binary: RSA generation is slow, and the tests only read.
inline const PrivateKey& CachedKey(const std::string& spec_name) {
  static auto* cache = new std::map<std::string, PrivateKey>();
  auto it = cache->find(spec_name);
  if (it == cache->end()) {
    it = cache
             ->emplace(spec_name,
                       PrivateKey::Generate(*KeySpec::FromName(spec_name)))
             .first;
  }
  return it->second;
}

// A BIGNUM parameter of `key` as minimal big-endian bytes ("" if absent).
inline std::string BnParamBytes(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return {};
  }
  Bn bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Raw JWS r||s (RFC 7518 §3.4) back to the DER form OpenSSL verifies.
inline std::string RawEcdsaToDer(std::string_view raw) {
  const size_t half = raw.size() / 2;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(p + half, static_cast<int>(half), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, r, s);  // takes r and s
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// Verifies a JWS signature with EVP_DigestVerify. alg: ES256, ES384, RS256.
inline bool VerifyJwsSignature(EVP_PKEY* key, std::string_view alg,
                               std::string_view data,
                               std::string_view signature) {
  const char* md = alg == "ES384" ? "SHA384" : "SHA256";
  std::string sig(signature);
  if (alg == "ES256" || alg == "ES384") {
    const size_t expected = alg == "ES256" ? 64 : 96;
    if (sig.size() != expected) return false;
    sig = RawEcdsaToDer(sig);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit_ex(ctx, nullptr, md, nullptr, nullptr, key,
                                    nullptr) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(sig.data()),
                sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

struct CertOptions {
  std::string subject_cn = "leaf.example.com";
  std::string san;  // X509v3 config syntax: "DNS:a.example,IP:::1"
  std::string serial_hex = "01";
  std::time_t not_before = 1700000000;  // 2023-11-14T22:13:20Z
  std::time_t not_after = 1707776000;   // 2024-02-12T22:13:20Z
  bool ca = false;
  std::string authority_key_id;  // raw keyIdentifier bytes; "" = no AKI
  std::string aia;  // X509v3 config syntax: "OCSP;URI:http://o.example"
};

// Builds and signs a certificate for `subject_key`. With `issuer` null it is
// self-signed by `subject_key`; otherwise signed by `issuer_key` under
// issuer's subject name.
inline X509Owner MakeCert(const CertOptions& opt, EVP_PKEY* subject_key,
                          X509* issuer = nullptr,
                          EVP_PKEY* issuer_key = nullptr) {
  X509Owner cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  BIGNUM* serial = nullptr;
  BN_hex2bn(&serial, opt.serial_hex.c_str());
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), opt.not_before);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), opt.not_after);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(opt.subject_cn.c_str()), -1, -1,
      0);
  X509_set_issuer_name(
      cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(),
                 nullptr, nullptr, 0);
  if (!opt.san.empty()) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(
        nullptr, &ctx, NID_subject_alt_name, opt.san.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!opt.aia.empty()) {
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_info_access, opt.aia.c_str());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (opt.ca) {
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "CA:TRUE");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!opt.authority_key_id.empty()) {
    AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
    akid->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(
        akid->keyid,
        reinterpret_cast<const unsigned char*>(opt.authority_key_id.data()),
        static_cast<int>(opt.authority_key_id.size()));
    X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid, 0,
                      X509V3_ADD_DEFAULT);
    AUTHORITY_KEYID_free(akid);
  }
  X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : subject_key,
            EVP_sha256());
  return cert;
}

inline std::string ToPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

inline X509Owner ParseDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Owner(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// Every subjectAltName as "DNS:x" / "IP:x" ("other" for other kinds).
inline std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      out.push_back("DNS:" +
                    std::string(reinterpret_cast<const char*>(
                                    ASN1_STRING_get0_data(gn->d.dNSName)),
                                ASN1_STRING_length(gn->d.dNSName)));
    } else if (gn->type == GEN_IPADD) {
      char buf[INET6_ADDRSTRLEN] = {};
      int len = ASN1_STRING_length(gn->d.iPAddress);
      inet_ntop(len == 4 ? AF_INET : AF_INET6,
                ASN1_STRING_get0_data(gn->d.iPAddress), buf, sizeof buf);
      out.push_back(std::string("IP:") + buf);
    } else {
      out.push_back("other");
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

// The TLS-ALPN-01 acmeIdentifier extension (1.3.6.1.5.5.7.1.31, RFC 8737
// §3) of `cert` as (critical, extnValue), or nullopt.
inline std::optional<std::pair<bool, std::string>> AcmeIdentifierExtension(
    X509* cert) {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  int at = X509_get_ext_by_OBJ(cert, oid, -1);
  ASN1_OBJECT_free(oid);
  if (at < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(cert, at);
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  return std::make_pair(
      X509_EXTENSION_get_critical(ext) == 1,
      std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                  static_cast<size_t>(ASN1_STRING_length(data))));
}

}  // namespace certpilot::crypto::test_util
