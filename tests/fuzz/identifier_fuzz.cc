// libFuzzer target for what a person types as -d (src/acme/identifier.h):
//  - ParseIdentifierInput either returns or throws UsageError; nothing else
//    escapes (no other exception, crash, leak or UB);
//  - an accepted input holds no control character (NUL included);
//  - a "dns" value holds only [a-z0-9.*-], is at most 253 bytes, and "*"
//    appears only as the whole leftmost label; an "ip" value is an IPv4 or
//    IPv6 address in canonical text form;
//  - parsing the value again gives the same identifier.
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "acme/identifier.h"
#include "util/error.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool CanonicalIp(const std::string& value) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (value.find('\0') != std::string::npos) return false;
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, value.c_str(), buf) == 1) {
      return value == inet_ntop(family, buf, out, sizeof out);
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  certpilot::acme::Identifier id;
  try {
    id = certpilot::acme::ParseIdentifierInput(input);
  } catch (const certpilot::UsageError&) {
    return 0;
  }
  for (char c : input) {
    auto u = static_cast<unsigned char>(c);
    Check(u >= 0x20 && u != 0x7f);
  }
  if (id.type == "ip") {
    Check(CanonicalIp(id.value));
  } else {
    Check(id.type == "dns");
    Check(!id.value.empty() && id.value.size() <= 253);
    for (char c : id.value) {
      Check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
            c == '*' || c == '-');
    }
    size_t star = id.value.find('*');
    if (star != std::string::npos) {
      Check(star == 0 && id.value.size() > 2 && id.value[1] == '.' &&
            id.value.find('*', 1) == std::string::npos);
    }
    Check(id.value.front() != '.' && id.value.back() != '.' &&
          id.value.find("..") == std::string::npos);
  }
  Check(certpilot::acme::ParseIdentifierInput(id.value) == id);
  return 0;
}
