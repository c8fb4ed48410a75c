// Where the checked-in test data (tests/data) lies. Through the source dir
// CMake passes in, not __FILE__: a build with CCACHE_BASEDIR compiles with
// relative paths, and __FILE__ would then be relative to the build dir, not
// to where ctest runs the test.
#pragma once

#include <string>

namespace certpilot::testing {

inline std::string TestDataDir() {
  return std::string(CERTPILOT_SOURCE_DIR) + "/tests/data";
}

}  // namespace certpilot::testing
