// Failures of the certificate store: I/O errors (with errno), refusals to
// save something that does not verify, malformed files on disk.
#pragma once

#include <string>
#include <utility>

#include "util/error.h"

namespace certpilot::storage {

// what() names the step, the object and the cause, e.g. "saving version 3 of
// example.com: writing /etc/certpilot/archive/example.com/cert3.pem: No space
// left on device", or "/etc/certpilot/renewal/a.conf:7: invalid line".
class StorageError : public Error {
 public:
  StorageError(const std::string& message, std::string path, int error_code)
      : Error(message), path_(std::move(path)), error_code_(error_code) {}

  // The file or directory concerned ("" if none in particular).
  const std::string& path() const { return path_; }
  // errno of the failed system call; 0 when no system call failed.
  int error_code() const { return error_code_; }

 private:
  std::string path_;
  int error_code_;
};

}  // namespace certpilot::storage
