#include "nginx/config/parse_error.h"

#include <utility>

namespace certpilot::nginx {

ParseError::ParseError(std::string file, int line, int column,
                       std::string reason)
    : Error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
            ": " + reason),
      file_(std::move(file)),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

}  // namespace certpilot::nginx
