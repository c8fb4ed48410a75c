#include "nginx/config/dumper.h"

#include "nginx/config/lexer.h"
#include "nginx/config/value_validation.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

void AppendWord(const Word& word, std::string* out) {
  RecheckWord(word);
  out->append(word.raw());
}

void AppendDirective(const Directive& d, std::string* out);

void AppendChildren(const Block& block, std::string* out) {
  for (const Directive& child : block.children()) AppendDirective(child, out);
  out->append(block.closing());
}

void AppendDirective(const Directive& d, std::string* out) {
  out->append(d.leading());
  AppendWord(d.name_word(), out);
  for (const Word& arg : d.args()) {
    out->append(arg.space_before());
    AppendWord(arg, out);
  }
  out->append(d.before_terminator());
  switch (d.kind()) {
    case Directive::Kind::kSimple:
      out->push_back(';');
      break;
    case Directive::Kind::kBlock:
      out->push_back('{');
      out->append(d.block().after_open());
      AppendChildren(d.block(), out);
      out->push_back('}');
      break;
    case Directive::Kind::kLuaBlock:
      out->push_back('{');
      out->append(d.lua_body());
      out->push_back('}');
      break;
  }
  out->append(d.trailing());
}

}  // namespace

void RecheckWord(const Word& word) {
  switch (word.origin()) {
    case Word::Origin::kParsed:
      return;
    case Word::Origin::kValue:
      ValidateConfigValue(word.value());
      if (word.raw() != word.value()) {
        throw UsageError("refusing to write \"" + StripControl(word.raw()) +
                         "\": it does not match its value");
      }
      return;
    case Word::Origin::kTrustedRaw:
      if (!IsSingleWord(word.raw())) {
        throw UsageError("refusing to write \"" + StripControl(word.raw()) +
                         "\" into the nginx configuration: it is not a "
                         "single nginx word");
      }
      return;
  }
}

std::string Dump(const Config& config) {
  std::string out;
  out.reserve(config.original_text().size() + 256);
  AppendChildren(config.root(), &out);
  return out;
}

std::string Dump(const Directive& directive) {
  std::string out;
  AppendDirective(directive, &out);
  return out;
}

}  // namespace certpilot::nginx
