// A test suite sharing one Pebble: started once per suite (a few hundred ms
// each time; under ctest every test is its own process, so once per test),
// stopped after it. kValiditySeconds other than 0 sets Pebble's certificate
// lifetime (3600: an hour, so that a fresh certificate is already due and
// `renew` has work without --force-renewal tricks).
#pragma once

#include <gtest/gtest.h>

#include "support/pebble_fixture.h"

namespace certpilot::testing {

template <int kValiditySeconds = 0>
class SharedPebbleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PebbleOptions o;
    if (kValiditySeconds != 0)
      o.certificate_validity_seconds = kValiditySeconds;
    pebble_ = new PebbleFixture(o);
  }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
  }
  static inline PebbleFixture* pebble_ = nullptr;
};

}  // namespace certpilot::testing
