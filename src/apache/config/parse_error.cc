#include "apache/config/parse_error.h"

#include <utility>

namespace certpilot::apache {

ParseError::ParseError(std::string file, int line, std::string reason)
    : Error(file + ":" + std::to_string(line) + ": " + reason),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)) {}

}  // namespace certpilot::apache
