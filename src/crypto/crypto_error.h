// Failures inside OpenSSL or of cryptographic checks.
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::crypto {

// The message names the operation and carries OpenSSL's drained error queue,
// e.g. "parsing private key: error:1E08010C:DECODER routines::unsupported".
class CryptoError : public Error {
 public:
  explicit CryptoError(const std::string& message) : Error(message) {}
};

// Throws CryptoError("<what>: <OpenSSL queue>") and empties the queue.
[[noreturn]] void ThrowOpenSslError(const std::string& what);

}  // namespace certpilot::crypto
