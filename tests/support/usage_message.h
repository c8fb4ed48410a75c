// The message of the UsageError `f` throws, or "(no UsageError)" — for
// EXPECT_THAT(UsageMessage([&] { ... }), HasSubstr("...")). Other
// exceptions propagate and fail the test.
#pragma once

#include <functional>
#include <string>

#include "util/error.h"

namespace certpilot::testing {

inline std::string UsageMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

}  // namespace certpilot::testing
