// libFuzzer target for renewal/NAME.conf (src/storage/renewal_conf.h), the
// lossless ConfigObj INI that certpilot and certbot both read and write.
//  - RenewalConf::Parse either returns or throws storage::StorageError;
//    nothing else escapes (no other exception, crash, leak or UB);
//  - a parsed text dumps back byte for byte;
//  - every key of the top level and [renewalparams] reads back with Get
//    (StorageError for a list) and GetList;
//  - Set and SetList of a value taken from the input (its first line)
//    either refuse with UsageError or write text that parses again and
//    reads back as exactly that value (quoting is never lossy).
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/renewal_conf.h"
#include "storage/storage_error.h"
#include "util/error.h"

namespace {

using certpilot::UsageError;
using certpilot::storage::RenewalConf;
using certpilot::storage::StorageError;

void Check(bool ok) {
  if (!ok) std::abort();
}

void ReadAll(const RenewalConf& conf, std::string_view section) {
  for (const std::string& key : conf.Keys(section)) {
    try {
      Check(conf.Get(section, key).has_value());
    } catch (const StorageError&) {
    }
    Check(conf.GetList(section, key).has_value());
  }
}

void CheckSet(const RenewalConf& parsed, const std::string& value) {
  RenewalConf conf = parsed;
  try {
    conf.Set("renewalparams", "fuzz_key", value);
  } catch (const UsageError&) {
    return;
  }
  RenewalConf again = RenewalConf::Parse(conf.Dump(), "again.conf");
  Check(again.Get("renewalparams", "fuzz_key") == value);
  Check(again.Dump() == conf.Dump());
}

void CheckSetList(const RenewalConf& parsed, const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t bar; (bar = value.find('|', start)) != std::string::npos;
       start = bar + 1) {
    items.push_back(value.substr(start, bar - start));
  }
  if (!value.empty()) items.push_back(value.substr(start));
  RenewalConf conf = parsed;
  try {
    conf.SetList("renewalparams", "fuzz_list", items);
  } catch (const UsageError&) {
    return;
  }
  RenewalConf again = RenewalConf::Parse(conf.Dump(), "again.conf");
  Check(again.GetList("renewalparams", "fuzz_list") == items);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<RenewalConf> conf;
  try {
    conf = RenewalConf::Parse(text, "fuzz.conf");
  } catch (const StorageError&) {
    return 0;
  }
  Check(conf->Dump() == text);
  ReadAll(*conf, "");
  ReadAll(*conf, "renewalparams");
  ReadAll(*conf, "renewalparams/webroot_map");

  std::string first_line(text.substr(0, text.find('\n')));
  if (first_line.size() > 200) first_line.resize(200);
  CheckSet(*conf, first_line);
  CheckSetList(*conf, first_line);
  return 0;
}
