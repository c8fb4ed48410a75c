// --key-type / --rsa-key-size / --elliptic-curve → a KeySpec.
#pragma once

#include <string>

#include "crypto/private_key.h"

namespace certpilot::app {

// Throws UsageError naming the bad value.
crypto::KeySpec ParseKeySpec(const std::string& key_type, int rsa_key_size,
                             const std::string& elliptic_curve);

}  // namespace certpilot::app
