// The error every nginx-configuration reader in this layer throws when a file
// is not something nginx would accept as a configuration: a syntax error, an
// include that names a missing file, an include cycle.
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::nginx {

// what() reads "<file>:<line>:<column>: <reason>". Lines and columns are
// 1-based; a column counts bytes (a tab is one column), as nginx counts lines
// by '\n' only.
class ParseError : public Error {
 public:
  ParseError(std::string file, int line, int column, std::string reason);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // The message without the position.
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string reason_;
};

}  // namespace certpilot::nginx
