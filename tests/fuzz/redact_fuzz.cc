// libFuzzer target for RedactSecrets (src/util/redact.h), which every log
// line passes through, including text a CA or a hook produced.
//  - it returns for any input (no crash, leak, UB or quadratic blow-up
//    beyond libFuzzer's limits);
//  - without literals it is idempotent: redacting twice changes nothing;
//  - a literal of at least kMinLiteralSecretLength bytes without brackets
//    (taken from the input's first line) never survives, unless it is part
//    of the replacement text itself ("cted private key").
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/redact.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string once = certpilot::RedactSecrets(text);
  Check(certpilot::RedactSecrets(once) == once);

  std::string literal(text.substr(0, text.find('\n')));
  if (literal.size() > 64) literal.resize(64);
  const std::string out = certpilot::RedactSecrets(text, {literal});
  // Replacements start and end with brackets: a literal without them cannot
  // span one, and may only be found inside one.
  const std::string replacements =
      std::string(certpilot::kRedacted) + certpilot::kRedactedPrivateKey;
  if (literal.size() >= certpilot::kMinLiteralSecretLength &&
      literal.find_first_of("[]") == std::string::npos &&
      replacements.find(literal) == std::string::npos)
    Check(out.find(literal) == std::string::npos);
  return 0;
}
