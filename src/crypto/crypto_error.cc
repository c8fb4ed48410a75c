#include "crypto/crypto_error.h"

#include <openssl/err.h>

#include <string>

namespace certpilot::crypto {

void ThrowOpenSslError(const std::string& what) {
  // Drain the whole thread-local queue: the innermost cause is usually the
  // first entry, and leaving entries behind would pin stale causes on the
  // next failure in this thread.
  std::string detail;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code =
             ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!detail.empty()) detail += "; ";
    detail += buf;
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      detail += " (";
      detail += data;
      detail += ")";
    }
  }
  if (detail.empty()) detail = "unknown OpenSSL error";
  throw CryptoError(what + ": " + detail);
}

}  // namespace certpilot::crypto
