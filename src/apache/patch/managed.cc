#include "apache/patch/managed.h"

namespace certpilot::apache {

std::vector<const Node*> ManagedNodes(const Block& block) {
  std::vector<const Node*> out;
  bool in_run = false;
  for (const Node& n : block.children()) {
    const bool only_indent =
        n.leading().find_first_not_of(" \t") == std::string::npos;
    in_run = !n.is_section() && (CarriesMark(n) || (in_run && only_indent));
    if (in_run) out.push_back(&n);
  }
  return out;
}

}  // namespace certpilot::apache
