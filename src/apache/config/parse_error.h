// The error every Apache-configuration reader in this layer throws when a
// file is not something Apache would accept as a configuration: an unclosed
// or mismatched section, a section line without '>', an Include naming a
// missing file or matching nothing, an include cycle.
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::apache {

// what() reads "<file>:<line>: <reason>" — Apache's own messages name the
// file and line ("Syntax error on line N of FILE"). Lines are 1-based and
// counted by '\n'; a directive continued over several lines is reported at
// its last line, as httpd reports it (checked against apache2 -S).
class ParseError : public Error {
 public:
  ParseError(std::string file, int line, std::string reason);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  // The message without the position.
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string reason_;
};

}  // namespace certpilot::apache
