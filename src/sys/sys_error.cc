#include "sys/sys_error.h"

#include <cstring>

namespace certpilot::sys {

SysError::SysError(const std::string& operation, const std::string& path,
                   int error_code)
    : SysError(operation, path, error_code,
               operation + " " + path + ": " + std::strerror(error_code)) {}

SysError::SysError(const std::string& operation, const std::string& path,
                   int error_code, const std::string& message)
    : Error(message),
      operation_(operation),
      path_(path),
      error_code_(error_code) {}

}  // namespace certpilot::sys
