// The root of certpilot's exception hierarchy.
//
// Exceptions are for failures; expected outcomes are return values. Each layer
// derives its own error type carrying data (docs/ARCHITECTURE.md, Errors).
// `main` maps UsageError to exit code 2 and every other Error to exit code 1.
#pragma once

#include <stdexcept>
#include <string>

namespace certpilot {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Bad input from the person running certpilot: a malformed option value, a
// name that is not a domain, a missing required option. Exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

}  // namespace certpilot
