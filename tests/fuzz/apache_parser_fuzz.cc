// libFuzzer target for the Apache configuration parser (src/apache/config):
//  - any input either parses and dumps back byte for byte, or throws
//    ParseError with a valid line — nothing else (no other exception,
//    crash, leak or UB);
//  - on a parsed input, every node's line lies within the input, and
//    splitting each node's words again (as the loader does after ${VAR}
//    substitution) stays in bounds;
//  - appending a directive (to the file, and into its first section) keeps
//    the text parseable with the new directive where it was put, and
//    removing it restores the input byte for byte.
//
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt), on a
// scratch copy of tests/fuzz/corpus/apache_parser/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "apache/config/parse_error.h"
#include "apache/config/parser.h"
#include "apache/config/tree.h"
#include "apache/config/words.h"

namespace {

using certpilot::apache::Block;
using certpilot::apache::Config;
using certpilot::apache::Node;

void Check(bool ok) {
  if (!ok) std::abort();
}

Node Marker() { return Node::Directive("FuzzMarker", {"a value", "C:\\x"}); }

// The appended directive must come back as one directive with its values
// (not swallowed by a comment, a continuation or a section line).
void CheckReparse(const Config& config) {
  const std::string text = config.Dump();
  const Config again = certpilot::apache::ParseConfig(text, "fuzz.conf");
  Check(again.Dump() == text);
  const std::vector<const Node*> found = again.FindAll("FuzzMarker");
  Check(found.size() == 1);
  Check(found[0]->ArgValues() == std::vector<std::string>{"a value", "C:\\x"});
}

void Walk(const Block& block, int lines) {
  for (const Node& n : block.children()) {
    Check(n.line() >= 1 && n.line() <= lines);
    std::string line;
    for (const auto& w : n.args()) line += w.raw() + " ";
    for (const auto& w : certpilot::apache::SplitWords(line)) {
      Check(w.begin <= w.end && w.end <= line.size());
    }
    Walk(n.block(), lines);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  try {
    Config config = certpilot::apache::ParseConfig(text, "fuzz.conf");
    Check(config.Dump() == text);
    Walk(config.root(), lines);
    if (!config.FindAll("FuzzMarker").empty()) return 0;
    Node& top = config.Append(nullptr, Marker());
    CheckReparse(config);
    config.Remove(top);
    Check(config.Dump() == text);
    for (const Node& n : config.root().children()) {
      if (!n.is_section()) continue;
      Node& inside = config.Append(&n, Marker());
      CheckReparse(config);
      config.Remove(inside);
      Check(config.Dump() == text);
      break;
    }
  } catch (const certpilot::apache::ParseError& e) {
    Check(e.line() >= 1 && e.line() <= lines);
  }
  return 0;
}
