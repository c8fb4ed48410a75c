// New words and nodes, and the edits of Config (tree.h).
#include <stdexcept>
#include <utility>

#include "apache/config/tree.h"
#include "apache/config/words.h"
#include "util/error.h"

namespace certpilot::apache {
namespace {

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void CheckName(std::string_view name) {
  if (name.empty()) throw UsageError("an Apache directive needs a name");
  for (char c : name) {
    if (!IsNameChar(c)) {
      throw UsageError("not an Apache directive name: " + std::string(name));
    }
  }
}

// The blanks after the last newline of `leading`: the indentation of the
// node it precedes.
std::string LastLineIndent(const std::string& leading) {
  const size_t nl = leading.rfind('\n');
  return leading.substr(nl == std::string::npos ? 0 : nl + 1);
}

void FormatNew(Node& n, const std::string& indent, const std::string& unit,
               const std::string& nl);

// True if `text` ends in a line continuation: a backslash, not itself
// escaped, right before the final [\r]\n (as the parser reads it).
bool EndsInContinuation(std::string_view text) {
  if (text.empty() || text.back() != '\n') return false;
  text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return !text.empty() && text.back() == '\\' &&
         !(text.size() >= 2 && text[text.size() - 2] == '\\');
}

bool FindIn(Block& block, const Node* target, Block** parent,
            std::list<Node>::iterator* where) {
  for (auto it = block.children().begin(); it != block.children().end(); ++it) {
    if (&*it == target) {
      *parent = &block;
      *where = it;
      return true;
    }
    if (FindIn(it->block(), target, parent, where)) return true;
  }
  return false;
}

}  // namespace

Word Word::FromValue(std::string_view value) {
  if (value.empty()) throw UsageError("an empty Apache configuration value");
  bool quote = false;
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw UsageError("a control character in an Apache configuration value");
    }
    if (c == ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '#') {
      quote = true;
    }
  }
  if (value.find("${") != std::string_view::npos || value.back() == '\\') {
    throw UsageError("not a safe Apache configuration value: " +
                     std::string(value));
  }
  std::string raw = quote ? "\"" : "";
  for (char c : value) {
    if (c == '\\' || (quote && c == '"')) raw += '\\';
    raw += c;
  }
  if (quote) raw += '"';
  // What httpd will read back must be the value, in one word.
  const std::vector<WordSpan> back = SplitWords(raw);
  if (back.size() != 1 || back[0].value != value) {
    throw UsageError("not a safe Apache configuration value: " +
                     std::string(value));
  }
  return Word(" ", raw, std::string(value));
}

Node Node::Directive(std::string_view name,
                     const std::vector<std::string>& args) {
  CheckName(name);
  Node n(Kind::kDirective, "", Word("", std::string(name), std::string(name)),
         0);
  for (const std::string& a : args) n.AddArg(Word::FromValue(a));
  return n;
}

Node Node::Section(std::string_view name, const std::vector<std::string>& args,
                   std::vector<Node> children) {
  CheckName(name);
  Node n(Kind::kSection, "",
         Word("", "<" + std::string(name), std::string(name)), 0);
  for (const std::string& a : args) n.AddArg(Word::FromValue(a));
  for (Node& c : children) n.block().children().push_back(std::move(c));
  return n;
}

namespace {

void FormatNew(Node& n, const std::string& indent, const std::string& unit,
               const std::string& nl) {
  // Node's trivia setters are the parser's; new nodes are rebuilt here.
  n = [&] {
    Node out(n.kind(), indent, n.name_word(), 0);
    for (const Word& w : n.args()) out.AddArg(w);
    if (!n.is_section()) {
      out.set_tail(nl);
      return out;
    }
    out.set_tail(">" + nl);
    for (const Node& c : n.block().children()) {
      Node child = c;
      FormatNew(child, indent + unit, unit, nl);
      out.block().children().push_back(std::move(child));
    }
    out.block().closing() = indent;
    out.set_close("</" + n.name() + ">", nl);
    return out;
  }();
}

}  // namespace

std::string Config::newline() const {
  const size_t nl = original_text_.find('\n');
  return nl != std::string::npos && nl > 0 && original_text_[nl - 1] == '\r'
             ? "\r\n"
             : "\n";
}

Block* Config::ParentBlock(const Node& node, std::list<Node>::iterator* where) {
  Block* parent = nullptr;
  if (!FindIn(root_, &node, &parent, where)) {
    throw std::invalid_argument("node not in " + path_);
  }
  return parent;
}

namespace {

// Tab when `indent` holds one (or, at the top of a file, when the file
// indents with tabs), else four spaces: one step of indentation.
std::string IndentUnit(const std::string& indent, const std::string& text) {
  return indent.find('\t') != std::string::npos ||
                 (indent.empty() && text.find("\n\t") != std::string::npos)
             ? "\t"
             : "    ";
}

void CheckComment(std::string_view comment) {
  for (char c : comment) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw UsageError("a control character in an Apache comment");
    }
  }
}

}  // namespace

Node& Config::Place(Block* block, std::list<Node>::iterator pos,
                    const Node* prev, Node node, const std::string& indent,
                    const std::string& unit, std::string_view comment) {
  CheckComment(comment);
  const std::string nl = newline();
  FormatNew(node, indent, unit, nl);
  if (prev != nullptr) {
    std::string before;
    prev->DumpTo(&before);
    if (!before.empty() && before.back() != '\n') {
      // The file ends without a newline. A backslash there is literal;
      // right before the newline we add it would continue the line into
      // the new node: a blank keeps it literal (httpd strips the blank).
      std::string_view end = before;
      if (end.back() == '\r') end.remove_suffix(1);
      node.added_before_ = (!end.empty() && end.back() == '\\' ? " " : "") + nl;
    } else if (EndsInContinuation(before)) {
      // The file ends in "\<newline>": httpd joins the next line to it, so
      // an empty line must come first.
      node.added_before_ = nl;
    }
  }
  const std::string note =
      comment.empty() ? "" : indent + "# " + std::string(comment) + nl;
  node.leading_ = node.added_before_ + note + node.leading_;
  return *block->children().insert(pos, std::move(node));
}

Node& Config::Append(const Node* section, Node node) {
  return Append(section, std::move(node), {});
}

Node& Config::Append(const Node* section, Node node, std::string_view comment) {
  Block* block = &root_;
  std::string parent_indent;
  if (section != nullptr) {
    std::list<Node>::iterator it;
    ParentBlock(*section, &it);
    if (!it->is_section()) {
      throw std::invalid_argument("not a section: " + it->name());
    }
    block = &it->block();
    parent_indent = LastLineIndent(it->leading());
  }
  const std::string unit = IndentUnit(parent_indent, original_text_);
  std::string indent = block->children().empty()
                           ? (section == nullptr ? "" : parent_indent + unit)
                           : LastLineIndent(block->children().back().leading());
  const Node* prev =
      block->children().empty() ? nullptr : &block->children().back();
  return Place(block, block->children().end(), prev, std::move(node), indent,
               unit, comment);
}

Node& Config::Prepend(const Node& section, Node node) {
  std::list<Node>::iterator it;
  ParentBlock(section, &it);
  if (!it->is_section()) {
    throw std::invalid_argument("not a section: " + it->name());
  }
  Block* block = &it->block();
  const std::string parent_indent = LastLineIndent(it->leading());
  const std::string unit = IndentUnit(parent_indent, original_text_);
  const std::string indent =
      block->children().empty()
          ? parent_indent + unit
          : LastLineIndent(block->children().front().leading());
  return Place(block, block->children().begin(), nullptr, std::move(node),
               indent, unit, {});
}

Node& Config::InsertAfter(const Node& sibling, Node node,
                          std::string_view comment) {
  std::list<Node>::iterator it;
  Block* block = ParentBlock(sibling, &it);
  const std::string indent = LastLineIndent(it->leading());
  return Place(block, std::next(it), &*it, std::move(node), indent,
               IndentUnit(indent, original_text_), comment);
}

void Config::SetArgs(const Node& node, const std::vector<std::string>& values) {
  std::list<Node>::iterator it;
  ParentBlock(node, &it);
  std::vector<Word> words;
  for (size_t i = 0; i < values.size(); ++i) {
    Word w = Word::FromValue(values[i]);
    if (i < it->args_.size()) {
      w = Word(it->args_[i].space_before(), w.raw(), w.value());
    }
    words.push_back(std::move(w));
  }
  it->args_ = std::move(words);
}

void Config::Remove(const Node& node) {
  std::list<Node>::iterator it;
  Block* block = ParentBlock(node, &it);
  // Comment lines before it stay, its own indentation goes.
  std::string keep = it->leading_.substr(it->added_before_.size());
  keep.resize(keep.size() - LastLineIndent(keep).size());
  auto next = std::next(it);
  if (next != block->children().end()) {
    next->leading_ = keep + next->leading_;
  } else {
    block->closing() = keep + block->closing();
  }
  block->children().erase(it);
}

}  // namespace certpilot::apache
