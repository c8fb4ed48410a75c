// Cryptographically strong random bytes (OpenSSL's CSPRNG), for keys and
// nonces. Throws CryptoError when the generator fails. Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace certpilot::crypto {

std::string RandomBytes(size_t count);

}  // namespace certpilot::crypto
