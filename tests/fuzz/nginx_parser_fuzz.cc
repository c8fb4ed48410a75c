// libFuzzer target for the nginx parser and tree editor (src/nginx/):
//  - any input either parses and dumps back byte for byte, or throws
//    ParseError with a valid position — nothing else (no other exception,
//    crash, leak or UB);
//  - on a parsed input, inserting a directive (at the top level, into the
//    first block, before and after its first child) keeps the text
//    parseable with the new directive where it was put, and removing it
//    restores the input byte for byte.
//
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt), which
// works on a scratch copy of tests/fuzz/corpus/nginx_parser/: libFuzzer
// writes new inputs into its first corpus directory, and broken inputs must
// not end up in the round-trip corpus (tests/data/nginx/).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nginx/config/parse_error.h"
#include "nginx/config/parser.h"
#include "nginx/config/tree.h"

namespace {

using certpilot::nginx::Block;
using certpilot::nginx::Config;
using certpilot::nginx::Directive;
using certpilot::nginx::ParseConfig;
using certpilot::nginx::Word;

void Check(bool ok) {
  if (!ok) std::abort();
}

Directive NewDirective() {
  return Directive::Simple("fuzz_marker", {Word::FromValue("v")})
      .WithComment("managed by certpilot");
}

// The inserted directive must survive a reparse as a directive (not be
// swallowed by a comment or a string) next to its siblings.
void CheckReparse(const Config& config) {
  const std::string text = config.Dump();
  const Config again = ParseConfig(text, "fuzz.conf");
  Check(again.Dump() == text);
  size_t markers = 0;
  for (const Directive* d : const_cast<Config&>(again).FindAll("fuzz_marker")) {
    (void)d;
    ++markers;
  }
  Check(markers == 1);
}

Directive* FirstBlock(Block& block) {
  for (Directive& d : block.children()) {
    if (d.has_block()) return &d;
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Config config("fuzz.conf", "");
  try {
    config = ParseConfig(text, "fuzz.conf");
  } catch (const certpilot::nginx::ParseError& e) {
    Check(e.line() >= 1 && e.column() >= 1);
    return 0;
  }
  Check(config.Dump() == text);
  if (!config.FindAll("fuzz_marker").empty()) return 0;

  Directive& top = config.Append(nullptr, NewDirective());
  CheckReparse(config);
  config.Remove(top);
  Check(config.Dump() == text);

  if (Directive* block = FirstBlock(config.root())) {
    Directive& inside = config.Append(block, NewDirective());
    CheckReparse(config);
    config.Remove(inside);
    Check(config.Dump() == text);
    if (!block->block().children().empty()) {
      const Directive& first = block->block().children().front();
      Directive& before = config.InsertBefore(first, NewDirective());
      CheckReparse(config);
      config.Remove(before);
      Check(config.Dump() == text);
      Directive& after = config.InsertAfter(first, NewDirective());
      CheckReparse(config);
      config.Remove(after);
      Check(config.Dump() == text);
    }
  }
  return 0;
}
