#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/crypto_error.h"

namespace certpilot::crypto {

std::string RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                              static_cast<int>(count)) != 1)
    ThrowOpenSslError("generating " + std::to_string(count) + " random bytes");
  return bytes;
}

}  // namespace certpilot::crypto
