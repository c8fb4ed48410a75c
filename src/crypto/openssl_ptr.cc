#include "crypto/openssl_ptr.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <climits>
#include <string>

#include "crypto/crypto_error.h"

namespace certpilot::crypto::internal {
namespace {

bool IsPrintableAscii(const std::string& name) {
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

}  // namespace

GeneralNamePtr MakeGeneralName(const std::string& name,
                               const std::string& what) {
  if (name.empty() || !IsPrintableAscii(name)) {
    throw CryptoError(what + ": invalid name \"" + name + "\"");
  }
  const std::string failed = what + ": subjectAltName " + name;
  unsigned char ip[16];
  int ip_len = 0;
  if (inet_pton(AF_INET, name.c_str(), ip) == 1) {
    ip_len = 4;
  } else if (inet_pton(AF_INET6, name.c_str(), ip) == 1) {
    ip_len = 16;
  }
  GeneralNamePtr general(GENERAL_NAME_new());
  if (!general) ThrowOpenSslError(failed);
  if (ip_len != 0) {
    OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> value(
        ASN1_OCTET_STRING_new());
    if (!value || ASN1_OCTET_STRING_set(value.get(), ip, ip_len) != 1) {
      ThrowOpenSslError(failed);
    }
    GENERAL_NAME_set0_value(general.get(), GEN_IPADD, value.release());
  } else {
    OsslPtr<ASN1_IA5STRING, ASN1_IA5STRING_free> value(ASN1_IA5STRING_new());
    if (!value || ASN1_STRING_set(value.get(), name.data(),
                                  static_cast<int>(name.size())) != 1) {
      ThrowOpenSslError(failed);
    }
    GENERAL_NAME_set0_value(general.get(), GEN_DNS, value.release());
  }
  return general;
}

SanTexts SanTextsOf(const GENERAL_NAMES* names) {
  SanTexts out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      out.dns.emplace_back(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const int len = ASN1_STRING_length(ip);
      // RFC 5280 §4.2.1.6: 4 octets for IPv4, 16 for IPv6. Other lengths
      // (address + mask) belong to name constraints, not to a leaf.
      if (len != 4 && len != 16) continue;
      char text[INET6_ADDRSTRLEN] = {};
      if (inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip),
                    text, sizeof(text)) != nullptr)
        out.ip.emplace_back(text);
    }
  }
  return out;
}

BioPtr NewMemBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) ThrowOpenSslError("allocating memory BIO");
  return bio;
}

BioPtr MemBioOver(const void* data, size_t size) {
  if (size > static_cast<size_t>(INT_MAX)) {
    throw CryptoError("input too large for a memory BIO");
  }
  BioPtr bio(BIO_new_mem_buf(data, static_cast<int>(size)));
  if (!bio) ThrowOpenSslError("allocating memory BIO");
  return bio;
}

std::string BnToFixedBytes(const BIGNUM* bn, size_t width,
                           const std::string& what) {
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(width)) < 0) {
    throw CryptoError(what + ": value wider than " + std::to_string(width) +
                      " bytes");
  }
  return out;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace certpilot::crypto::internal
