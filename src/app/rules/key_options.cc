#include "app/rules/key_options.h"

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

crypto::KeySpec ParseKeySpec(const std::string& key_type, int rsa_key_size,
                             const std::string& elliptic_curve) {
  crypto::KeySpec spec;
  if (key_type == "ecdsa") {
    spec.type = crypto::KeyType::kEcdsa;
    if (elliptic_curve != "secp256r1" && elliptic_curve != "secp384r1")
      throw UsageError(
          "--elliptic-curve must be secp256r1 or secp384r1, not \"" +
          StripControl(elliptic_curve) + "\"");
    spec.curve = elliptic_curve;
  } else if (key_type == "rsa") {
    spec.type = crypto::KeyType::kRsa;
    if (rsa_key_size != 2048 && rsa_key_size != 3072 && rsa_key_size != 4096)
      throw UsageError("--rsa-key-size must be 2048, 3072 or 4096, not " +
                       std::to_string(rsa_key_size));
    spec.rsa_bits = rsa_key_size;
  } else {
    throw UsageError("--key-type must be rsa or ecdsa, not \"" +
                     StripControl(key_type) + "\"");
  }
  return spec;
}

}  // namespace certpilot::app
