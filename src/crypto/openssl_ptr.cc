#include "crypto/openssl_ptr.h"

#include <climits>
#include <string>

#include "crypto/crypto_error.h"

namespace certpilot::crypto::internal {

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

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace certpilot::crypto::internal
