// Failures of operating-system calls, carrying what was attempted, on which
// path, and errno.
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::sys {

// what() reads "<operation> <path>: <strerror(errno)>", e.g.
// "writing /etc/certpilot/archive/x/cert2.pem: No space left on device".
class SysError : public Error {
 public:
  SysError(const std::string& operation, const std::string& path,
           int error_code);

  // The verb phrase without the path ("writing", "renaming /a to").
  const std::string& operation() const { return operation_; }
  const std::string& path() const { return path_; }
  // The errno value of the failed call.
  int error_code() const { return error_code_; }

 protected:
  // For subclasses that phrase the message themselves.
  SysError(const std::string& operation, const std::string& path,
           int error_code, const std::string& message);

 private:
  std::string operation_;
  std::string path_;
  int error_code_;
};

}  // namespace certpilot::sys
