// Config's editing methods: where new directives go and how they are
// formatted.
//
// Rules (n = the new directive, R = the sibling it is placed next to):
//  - R ends its line (its trailing ends with a newline): n goes on a line of
//    its own after R (or before it, for InsertBefore when R starts its
//    line), indented like R, with R's newline style.
//  - R ends the file with a comment and no newline: n goes on a new line.
//  - R shares its line with other tokens: n joins that line, after a space.
//  - Empty block written over several lines ("{\n}"): n gets the block's
//    indentation plus indent_unit(); written on one line ("{}"): n is put
//    inside on that line ("{ n; }").
//  - Empty file: n goes after any comments in it.
//  - A new block's children are indented one indent_unit() deeper than the
//    block, its '}' like the block; a pending comment is written after the
//    ';' or '}' and always ends the line.
// Remove drops a directive with its own line; comment lines before it stay.
// Removing an inserted directive restores the text byte for byte.
#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include "nginx/config/dumper.h"
#include "nginx/config/tree.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

using List = std::list<Directive>;

struct Location {
  Block* block = nullptr;       // the block (or file root) holding it
  Directive* parent = nullptr;  // nullptr at the top level
  List::iterator it;
};

bool LocateIn(Block& block, Directive* parent, const Directive& target,
              Location* out) {
  for (auto it = block.children().begin(); it != block.children().end(); ++it) {
    if (&*it == &target) {
      *out = Location{&block, parent, it};
      return true;
    }
    if (it->has_block() && LocateIn(it->block(), &*it, target, out)) {
      return true;
    }
  }
  return false;
}

bool EndsLine(const std::string& s) { return EndsWith(s, "\n"); }

std::string NewlineOf(const std::string& s, const std::string& fallback) {
  if (EndsWith(s, "\r\n")) return "\r\n";
  if (EndsWith(s, "\n")) return "\n";
  return fallback;
}

// True if the directive at `loc` is the first token on its line.
bool StartsLine(const Location& loc) {
  if (loc.it->leading().find('\n') != std::string::npos) return true;
  if (loc.it == loc.block->children().begin()) {
    return loc.parent == nullptr || EndsLine(loc.block->after_open());
  }
  return EndsLine(std::prev(loc.it)->trailing());
}

void RecheckWords(const Directive& d) {
  RecheckWord(d.name_word());
  for (const Word& w : d.args()) RecheckWord(w);
  for (const Directive& child : d.block().children()) RecheckWords(child);
}

bool ContainsIn(const Block& block, const Directive& target) {
  for (const Directive& d : block.children()) {
    if (&d == &target || ContainsIn(d.block(), target)) return true;
  }
  return false;
}

}  // namespace

bool Config::Contains(const Directive& d) const { return ContainsIn(root_, d); }

Directive* Config::ParentOf(const Directive& d) {
  Location loc;
  if (!LocateIn(root_, nullptr, d, &loc)) {
    throw std::invalid_argument("directive \"" + d.name() + "\" is not in " +
                                path_);
  }
  return loc.parent;
}

// Gives a new directive (and its new children) their formatting; `indent`
// is the indentation of the line n starts on.
void Config::FormatNew(Directive& n, const std::string& indent,
                       const std::string& nl) const {
  n.fresh_ = false;
  for (Word& w : n.args_) {
    if (w.space_before().empty()) w.space_before() = " ";
  }
  if (!n.has_block()) {
    n.before_terminator().clear();
    return;
  }
  n.before_terminator() = " ";
  Block& b = n.block();
  if (b.children().empty()) {
    b.after_open().clear();
    b.closing().clear();
    return;
  }
  const std::string child_indent = indent + indent_unit_;
  b.after_open() = nl;
  for (Directive& child : b.children()) {
    child.leading() = child_indent;
    std::string comment;
    if (child.fresh_) {
      if (!child.comment_.empty()) comment = " # " + child.comment_;
      FormatNew(child, child_indent, nl);
    } else {
      comment = child.trailing();
      while (!comment.empty() &&
             (comment.back() == '\n' || comment.back() == '\r')) {
        comment.pop_back();
      }
    }
    child.trailing() = comment + nl;
  }
  b.closing() = indent;
}

Directive& Config::Append(Directive* parent, Directive d) {
  Block* block = &root_;
  if (parent != nullptr) {
    if (!Contains(*parent)) {
      throw std::invalid_argument("block \"" + parent->name() +
                                  "\" is not in " + path_);
    }
    if (!parent->has_block()) {
      throw std::invalid_argument("directive \"" + parent->name() +
                                  "\" has no block");
    }
    block = &parent->block();
  }
  List& list = block->children();
  const auto ref = list.empty() ? list.end() : std::prev(list.end());
  return Place(*block, parent, list.end(), ref, false, std::move(d));
}

Directive& Config::InsertAfter(const Directive& sibling, Directive d) {
  Location loc;
  if (!LocateIn(root_, nullptr, sibling, &loc)) {
    throw std::invalid_argument("directive \"" + sibling.name() +
                                "\" is not in " + path_);
  }
  return Place(*loc.block, loc.parent, std::next(loc.it), loc.it, false,
               std::move(d));
}

Directive& Config::InsertBefore(const Directive& sibling, Directive d) {
  Location loc;
  if (!LocateIn(root_, nullptr, sibling, &loc)) {
    throw std::invalid_argument("directive \"" + sibling.name() +
                                "\" is not in " + path_);
  }
  return Place(*loc.block, loc.parent, loc.it, loc.it, true, std::move(d));
}

Directive& Config::Place(Block& block, Directive* parent, List::iterator pos,
                         List::iterator ref, bool before, Directive n) {
  RecheckWords(n);  // defence in depth: before the tree changes
  List& list = block.children();
  std::string nl = newline_;
  std::string leading;
  std::string indent;
  bool own_line = true;
  // Newline bytes put at the start of `leading` that the text did not have
  // (Remove takes them out again).
  size_t added_before = 0;
  // Trailing when not on its own line ("" or, inside "{}", " ").
  std::string inline_trailing;

  if (ref != list.end()) {
    const Location ref_loc{&block, parent, ref};
    indent = LastLineIndent(ref->leading());
    if (before) {
      own_line = StartsLine(ref_loc);
      leading = own_line ? indent : ref->leading();
      if (own_line && ref != list.begin()) {
        nl = NewlineOf(std::prev(ref)->trailing(), nl);
      }
    } else if (EndsLine(ref->trailing())) {
      nl = NewlineOf(ref->trailing(), nl);
      leading = indent;
    } else if (ref->trailing().find('#') != std::string::npos) {
      // A comment ends the file right after ref: start a new line, or n
      // would be commented out.
      leading = nl + indent;
      added_before = nl.size();
    } else {
      own_line = false;
      leading = " ";
    }
  } else if (parent != nullptr) {  // empty block
    indent = LastLineIndent(parent->leading()) + indent_unit_;
    if (EndsLine(block.after_open())) {
      nl = NewlineOf(block.after_open(), nl);
      leading = indent;
    } else {
      own_line = false;
      leading = " ";
      if (block.closing().empty()) inline_trailing = " ";
    }
  } else {  // empty file: after whatever comments it holds
    std::string& closing = block.closing();
    leading = closing;
    if (!closing.empty() && !EndsLine(closing)) {
      leading += nl;
      added_before = nl.size();
    }
    closing.clear();
  }

  const bool was_new = n.is_new();
  std::string comment;
  if (was_new) {
    comment = n.comment_.empty() ? "" : " # " + n.comment_;
    FormatNew(n, indent, nl);
  } else {
    // A directive taken from a file keeps a comment on its line.
    comment = n.trailing();
    while (!comment.empty() &&
           (comment.back() == '\n' || comment.back() == '\r')) {
      comment.pop_back();
    }
  }
  n.leading() = leading;
  n.newline_added_before_ = added_before;
  n.newline_added_after_ = false;
  if (own_line) {
    n.trailing() = comment + nl;
  } else if (comment.find('#') != std::string::npos) {
    // A comment runs to the end of the line: end it, although the line
    // went on before.
    n.trailing() = comment + nl;
    n.newline_added_after_ = true;
  } else {
    n.trailing() = comment + inline_trailing;
  }
  return *list.insert(pos, std::move(n));
}

void Config::Remove(const Directive& d) {
  Location loc;
  if (!LocateIn(root_, nullptr, d, &loc)) {
    throw std::invalid_argument("directive \"" + d.name() + "\" is not in " +
                                path_);
  }
  const std::string& leading = loc.it->leading();
  const size_t nl = leading.rfind('\n');
  std::string keep = nl == std::string::npos ? "" : leading.substr(0, nl + 1);
  keep.resize(keep.size() -
              std::min(keep.size(), loc.it->newline_added_before_));
  if (!StartsLine(loc) && EndsLine(loc.it->trailing()) &&
      !loc.it->newline_added_after_) {
    keep += NewlineOf(loc.it->trailing(), newline_);
  }
  const auto next = std::next(loc.it);
  if (next != loc.block->children().end()) {
    next->leading() = keep + next->leading();
  } else {
    loc.block->closing() = keep + loc.block->closing();
  }
  loc.block->children().erase(loc.it);
}

}  // namespace certpilot::nginx
