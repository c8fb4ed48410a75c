// std::unique_ptr for objects of C libraries (OpenSSL, ldns, ...) freed by a
// function: CPtr<BIO, BIO_free_all>. The function is a template argument, so
// the pointer stays one word and no deleter object is stored. Layers alias
// it for their library's types (crypto/openssl_ptr.h).
#pragma once

#include <memory>

namespace certpilot {

template <typename T, auto Free>
struct CFreeDeleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, auto Free>
using CPtr = std::unique_ptr<T, CFreeDeleter<T, Free>>;

}  // namespace certpilot
