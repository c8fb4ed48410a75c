#include "apache/config/tree.h"

#include <strings.h>

namespace certpilot::apache {
namespace {

void DumpBlock(const Block& block, std::string* out) {
  for (const Node& n : block.children()) n.DumpTo(out);
  *out += block.closing();
}

void FindIn(const Block& block, std::string_view name,
            std::vector<const Node*>* out) {
  for (const Node& n : block.children()) {
    if (n.Is(name)) out->push_back(&n);
    FindIn(n.block(), name, out);
  }
}

}  // namespace

bool Node::Is(std::string_view name) const {
  return name_.value().size() == name.size() &&
         ::strncasecmp(name_.value().data(), name.data(), name.size()) == 0;
}

std::vector<std::string> Node::ArgValues() const {
  std::vector<std::string> out;
  out.reserve(args_.size());
  for (const Word& w : args_) out.push_back(w.value());
  return out;
}

void Node::DumpTo(std::string* out) const {
  *out += leading_;
  *out += name_.raw();
  for (const Word& w : args_) {
    *out += w.space_before();
    *out += w.raw();
  }
  *out += tail_;
  if (kind_ == Kind::kSection) {
    DumpBlock(block_, out);
    *out += close_word_;
    *out += close_tail_;
  }
}

std::string Config::Dump() const {
  std::string out;
  out.reserve(original_text_.size());
  DumpBlock(root_, &out);
  return out;
}

std::vector<const Node*> Config::FindAll(std::string_view name) const {
  std::vector<const Node*> out;
  FindIn(root_, name, &out);
  return out;
}

}  // namespace certpilot::apache
