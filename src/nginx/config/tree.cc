#include "nginx/config/tree.h"

#include <stdexcept>
#include <utility>

#include "nginx/config/dumper.h"
#include "nginx/config/lexer.h"
#include "nginx/config/value_validation.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::nginx {

// ---- Word ----

Word::Word(std::string raw, std::string value, Origin origin)
    : raw_(std::move(raw)), value_(std::move(value)), origin_(origin) {}

Word Word::Parsed(std::string_view raw) {
  return Word(std::string(raw), WordValue(raw), Origin::kParsed);
}

Word Word::FromValue(std::string_view value) {
  ValidateConfigValue(value);
  return Word(std::string(value), std::string(value), Origin::kValue);
}

Word Word::FromTrustedRaw(std::string_view raw) {
  if (!IsSingleWord(raw)) {
    throw UsageError("refusing to write \"" + StripControl(raw) +
                     "\" into the nginx configuration: it is not a single "
                     "nginx word");
  }
  return Word(std::string(raw), WordValue(raw), Origin::kTrustedRaw);
}

// ---- Block ----

Directive* Block::Find(std::string_view name) {
  for (Directive& d : children_) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

const Directive* Block::Find(std::string_view name) const {
  for (const Directive& d : children_) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

std::vector<Directive*> Block::FindAll(std::string_view name) {
  std::vector<Directive*> found;
  for (Directive& d : children_) {
    if (d.name() == name) found.push_back(&d);
  }
  return found;
}

// ---- Directive ----

Directive::Directive(Word name, Kind kind, int line, int column)
    : name_(std::move(name)), kind_(kind), line_(line), column_(column) {}

Directive Directive::Simple(std::string_view name, std::vector<Word> args) {
  Directive d(Word::FromValue(name), Kind::kSimple, 0, 0);
  d.args_ = std::move(args);
  d.fresh_ = true;
  return d;
}

Directive Directive::WithBlock(std::string_view name, std::vector<Word> args,
                               std::vector<Directive> children) {
  Directive d(Word::FromValue(name), Kind::kBlock, 0, 0);
  d.args_ = std::move(args);
  for (Directive& child : children) {
    d.block_.children().push_back(std::move(child));
  }
  d.fresh_ = true;
  return d;
}

Directive& Directive::WithComment(std::string_view comment) {
  if (!fresh_) {
    throw std::logic_error("WithComment on a directive already in a file");
  }
  for (char c : comment) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      throw UsageError("refusing to write the comment \"" +
                       StripControl(comment) +
                       "\" into the nginx configuration: it contains a "
                       "control character");
    }
  }
  comment_ = std::string(comment);
  return *this;
}

std::vector<std::string> Directive::ArgValues() const {
  std::vector<std::string> values;
  values.reserve(args_.size());
  for (const Word& w : args_) values.push_back(w.value());
  return values;
}

void Directive::SetArg(size_t i, Word word) {
  RecheckWord(word);
  word.space_before() = std::move(args_.at(i).space_before());
  args_.at(i) = std::move(word);
}

void Directive::AddArg(Word word) {
  RecheckWord(word);
  if (word.space_before().empty()) word.space_before() = " ";
  args_.push_back(std::move(word));
}

void Directive::RemoveArg(size_t i) {
  args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(i));
}

// ---- Config ----

Config::Config(std::string path, std::string original_text)
    : path_(std::move(path)), original_text_(std::move(original_text)) {}

std::string Config::Dump() const { return nginx::Dump(*this); }

void Config::set_style(std::string newline, std::string indent_unit) {
  newline_ = std::move(newline);
  indent_unit_ = std::move(indent_unit);
}

namespace {

void CollectNamed(Block& block, std::string_view name,
                  std::vector<Directive*>* out) {
  for (Directive& d : block.children()) {
    if (d.name() == name) out->push_back(&d);
    if (d.has_block()) CollectNamed(d.block(), name, out);
  }
}

}  // namespace

std::vector<Directive*> Config::FindAll(std::string_view name) {
  std::vector<Directive*> found;
  CollectNamed(root_, name, &found);
  return found;
}

std::string LastLineIndent(std::string_view leading) {
  const size_t nl = leading.rfind('\n');
  const std::string_view last =
      nl == std::string_view::npos ? leading : leading.substr(nl + 1);
  for (char c : last) {
    if (c != ' ' && c != '\t') return "";
  }
  return std::string(last);
}

}  // namespace certpilot::nginx
