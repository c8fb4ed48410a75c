#include "crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"
#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::crypto {
namespace {

using internal::BignumPtr;
using internal::BioContents;
using internal::BioPtr;
using internal::GeneralNamesPtr;
using internal::MemBioOver;
using internal::NewMemBio;
using internal::X509Ptr;

std::chrono::system_clock::time_point ToTimePoint(const ASN1_TIME* time,
                                                  const std::string& what) {
  // ASN1_TIME_to_tm(nullptr) would mean "now"; a certificate always has both
  // validity times, so a null one is a parse failure, not a default.
  if (time == nullptr) throw CryptoError(what + ": missing");
  std::tm tm = {};
  if (ASN1_TIME_to_tm(time, &tm) != 1) ThrowOpenSslError(what);
  // Validity times are UTC (RFC 5280 §4.1.2.5), hence timegm, not mktime.
  const std::time_t secs = timegm(&tm);
  // system_clock counts nanoseconds and ends in 2262; RFC 5280 §4.1.2.5 uses
  // 99991231235959Z for "no expiry", so clamp rather than overflow.
  using std::chrono::system_clock;
  const auto limit = std::chrono::duration_cast<std::chrono::seconds>(
                         system_clock::time_point::max().time_since_epoch())
                         .count();
  if (secs >= limit) return system_clock::time_point::max();
  if (secs <= -limit) return system_clock::time_point::min();
  return system_clock::time_point(std::chrono::seconds(secs));
}

std::string NameToString(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio = NewMemBio();
  // RFC 2253 form, but keep UTF-8 as UTF-8 instead of \XX escapes.
  if (X509_NAME_print_ex(bio.get(), name, 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    ThrowOpenSslError("formatting distinguished name");
  }
  return BioContents(bio.get());
}

// The SAN GENERAL_NAMEs of `cert`, or null when it has none. A malformed
// extension reads as absent (ACME callers then see no names and fail their
// own name check, which says more than an ASN.1 error would).
GeneralNamesPtr SubjectAltNames(const X509* cert) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) ERR_clear_error();
  return names;
}

bool IsPemSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

Certificate::Certificate(X509* owned) : cert_(owned, X509_free) {
  if (owned == nullptr) throw CryptoError("certificate: null X509");
}

Certificate Certificate::FromPem(std::string_view pem) {
  BioPtr bio = MemBioOver(pem.data(), pem.size());
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) ThrowOpenSslError("parsing PEM certificate");
  return Certificate(cert);
}

Certificate Certificate::FromDer(std::string_view der) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* p = begin;
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) ThrowOpenSslError("parsing DER certificate");
  if (p != begin + der.size()) {
    throw CryptoError(
        "parsing DER certificate: trailing data after the "
        "certificate");
  }
  return Certificate(cert.release());
}

std::string Certificate::ToPem() const {
  BioPtr bio = NewMemBio();
  if (PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    ThrowOpenSslError("encoding certificate");
  }
  return BioContents(bio.get());
}

std::string Certificate::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert_.get(), &der);
  if (len <= 0) ThrowOpenSslError("encoding certificate");
  std::string out(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

std::chrono::system_clock::time_point Certificate::NotBefore() const {
  return ToTimePoint(X509_get0_notBefore(cert_.get()),
                     "reading certificate notBefore");
}

std::chrono::system_clock::time_point Certificate::NotAfter() const {
  return ToTimePoint(X509_get0_notAfter(cert_.get()),
                     "reading certificate notAfter");
}

std::string Certificate::SerialHex() const {
  const std::string what = "reading certificate serial";
  BignumPtr serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  if (!serial) ThrowOpenSslError(what);
  // BN_bn2hex is uppercase and prints whole octets ("01"), so drop the
  // leading zero nibble; zero stays "0".
  char* hex = BN_bn2hex(serial.get());
  if (hex == nullptr) ThrowOpenSslError(what);
  std::string out = ToLower(hex);
  OPENSSL_free(hex);
  const size_t sign = out.starts_with('-') ? 1 : 0;
  const size_t first = out.find_first_not_of('0', sign);
  if (first == std::string::npos) return "0";
  out.erase(sign, first - sign);
  return out;
}

std::string Certificate::AriCertId() const {
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert_.get());
  if (aki == nullptr || ASN1_STRING_length(aki) == 0)
    throw CryptoError("certificate has no Authority Key Identifier");
  unsigned char* der = nullptr;
  int len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert_.get()), &der);
  if (len < 3) ThrowOpenSslError("encoding certificate serial");
  // Serials are at most 20 octets (RFC 5280 §4.1.2.2), so the DER length is
  // the short form: tag, one length octet, content.
  std::string serial(reinterpret_cast<char*>(der) + 2, size_t(len - 2));
  OPENSSL_free(der);
  std::string key_id(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                     size_t(ASN1_STRING_length(aki)));
  return Base64UrlEncode(key_id) + "." + Base64UrlEncode(serial);
}

std::string Certificate::Issuer() const {
  return NameToString(X509_get_issuer_name(cert_.get()));
}

std::string Certificate::IssuerCommonName() const {
  const X509_NAME* name = X509_get_issuer_name(cert_.get());
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) ThrowOpenSslError("reading issuer common name");
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string Certificate::Subject() const {
  return NameToString(X509_get_subject_name(cert_.get()));
}

std::vector<std::string> Certificate::DnsNames() const {
  return internal::SanTextsOf(SubjectAltNames(cert_.get()).get()).dns;
}

std::vector<std::string> Certificate::IpAddresses() const {
  return internal::SanTextsOf(SubjectAltNames(cert_.get()).get()).ip;
}

std::vector<std::string> Certificate::OcspUrls() const {
  std::vector<std::string> out;
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert_.get());
  for (int i = 0; i < sk_OPENSSL_STRING_num(urls); ++i)
    out.emplace_back(sk_OPENSSL_STRING_value(urls, i));
  X509_email_free(urls);  // X509_get1_ocsp's documented release
  return out;
}

std::string Certificate::PublicKeyDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert_.get()), &der);
  if (len <= 0) ThrowOpenSslError("encoding certificate public key");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool Certificate::MatchesKey(const PrivateKey& key) const {
  // Compares the key material rather than DER bytes, so a compressed point
  // or other re-encoding of the same key still matches.
  const EVP_PKEY* cert_key = X509_get0_pubkey(cert_.get());
  const bool match =
      cert_key != nullptr && EVP_PKEY_eq(cert_key, key.get()) == 1;
  ERR_clear_error();  // a mismatch is an answer, not a failure
  return match;
}

KeySpec Certificate::PublicKeySpec() const {
  const EVP_PKEY* key = X509_get0_pubkey(cert_.get());
  if (key == nullptr) ThrowOpenSslError("reading certificate public key");
  return internal::SpecOfKey(key);
}

bool Certificate::IssuedBy(const Certificate& issuer) const {
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer.get());
  const bool issued = issuer_key != nullptr &&
                      X509_NAME_cmp(X509_get_issuer_name(cert_.get()),
                                    X509_get_subject_name(issuer.get())) == 0 &&
                      X509_verify(cert_.get(), issuer_key) == 1;
  ERR_clear_error();  // "not issued by" is an answer, not a failure
  return issued;
}

std::vector<std::string> SplitPemChain(std::string_view pem) {
  constexpr std::string_view kBeginPrefix = "-----BEGIN ";
  constexpr std::string_view kEndPrefix = "-----END ";
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const std::string what = "reading certificate chain";
  std::vector<std::string> certs;
  size_t pos = 0;
  while (true) {
    while (pos < pem.size() && IsPemSpace(pem[pos])) ++pos;
    if (pos == pem.size()) break;
    std::string_view rest = pem.substr(pos);
    if (!StartsWith(rest, kBeginPrefix)) {
      throw CryptoError(what + ": unexpected text outside PEM blocks at byte " +
                        std::to_string(pos));
    }
    if (!StartsWith(rest, kBegin)) {
      // RFC 8555 §11.4: the client MUST reject anything but certificates
      // (a CA must never hand out, say, a private key in a chain).
      std::string_view label = rest.substr(kBeginPrefix.size(), 40);
      label = label.substr(0, label.find("-----"));
      throw CryptoError(what + ": PEM block \"" + StripControl(label) +
                        "\" is not a CERTIFICATE (RFC 8555 §11.4)");
    }
    size_t end = rest.find(kEndPrefix);
    if (end == std::string_view::npos) {
      throw CryptoError(what + ": unterminated CERTIFICATE block at byte " +
                        std::to_string(pos));
    }
    if (!StartsWith(rest.substr(end), kEnd)) {
      throw CryptoError(what + ": CERTIFICATE block at byte " +
                        std::to_string(pos) + " has a mismatched END line");
    }
    if (rest.substr(kBegin.size(), end - kBegin.size()).find("-----") !=
        std::string_view::npos) {
      throw CryptoError(what + ": CERTIFICATE block at byte " +
                        std::to_string(pos) + " contains a nested PEM line");
    }
    std::string_view block = rest.substr(0, end + kEnd.size());
    // Re-encoding drops PEM headers and normalises line length and endings.
    certs.push_back(Certificate::FromPem(block).ToPem());
    pos += block.size();
  }
  if (certs.empty()) throw CryptoError(what + ": no certificates");
  return certs;
}

}  // namespace certpilot::crypto
