// libFuzzer target for cli.ini (src/cli/config_file.h), the default-options
// file an administrator writes.
//  - ParseConfigFile either returns or throws UsageError; nothing else
//    escapes (no other exception, crash, leak or UB);
//  - every entry has a non-empty key without blanks, ":", "=", ";", "#" or
//    control characters, no key comes twice, a bare entry has no values,
//    and its source is "fuzz.ini:LINE" with LINE within the text.
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config_file.h"
#include "util/error.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool IsKeyChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u != 0x7f && c != ' ' && c != ':' && c != '=' &&
         c != ';' && c != '#';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<certpilot::cli::ConfigEntry> entries;
  try {
    entries = certpilot::cli::ParseConfigFile(text, "fuzz.ini");
  } catch (const certpilot::UsageError&) {
    return 0;
  }
  const size_t lines = size_t(std::count(text.begin(), text.end(), '\n')) + 1;
  std::set<std::string> keys;
  for (const auto& e : entries) {
    Check(!e.key.empty());
    for (char c : e.key) Check(IsKeyChar(c) && c != '\t');
    Check(keys.insert(e.key).second);
    Check(!e.bare || e.values.empty());
    Check(e.source.rfind("fuzz.ini:", 0) == 0);
    size_t line = std::stoul(e.source.substr(9));
    Check(line >= 1 && line <= lines);
  }
  return 0;
}
