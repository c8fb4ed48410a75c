#include "crypto/digest.h"

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "crypto/crypto_error.h"

namespace certpilot::crypto {
namespace {

std::string Digest(const char* md_name, std::string_view data,
                   const std::string& what) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_Q_digest(nullptr, md_name, nullptr, data.data(), data.size(), out,
                   &out_len) != 1) {
    ThrowOpenSslError(what);
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace

std::string Sha256(std::string_view data) {
  return Digest("SHA256", data, "SHA-256 digest");
}

std::string HexLower(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Md5Hex(std::string_view data) {
  return HexLower(Digest("MD5", data, "MD5 digest"));
}

std::string Sha1Hex(std::string_view data) {
  return HexLower(Digest("SHA1", data, "SHA-1 digest"));
}

std::string Hmac(std::string_view alg, std::string_view key,
                 std::string_view data) {
  const char* digest = nullptr;
  if (alg == "HS256") {
    digest = "SHA256";
  } else if (alg == "HS384") {
    digest = "SHA384";
  } else if (alg == "HS512") {
    digest = "SHA512";
  } else {
    throw CryptoError("HMAC: unsupported algorithm \"" + std::string(alg) +
                      "\"");
  }
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(),
                reinterpret_cast<const unsigned char*>(data.data()),
                data.size(), out, sizeof(out), &out_len) == nullptr) {
    ThrowOpenSslError("HMAC " + std::string(alg));
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace certpilot::crypto
