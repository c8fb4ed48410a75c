// A private temporary directory for one test, removed afterwards (kept when
// CERTPILOT_KEEP_TEST_DIRS=1).
#pragma once

#include <string>

namespace certpilot::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }

 private:
  std::string path_;
};

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace certpilot::testing
