#include "storage/renewal_conf.h"

#include <algorithm>
#include <utility>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::storage {
namespace {

// Longer lines are refused: no renewal conf has them, and the value parser's
// work grows with the square of a line's length in the worst case.
constexpr size_t kMaxLineLength = 8192;

// Python's \s for ASCII.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view TrimSpace(std::string_view text) {
  return TrimRight(text.substr(SkipSpace(text, 0)));
}

bool IsQuote(char c) { return c == '"' || c == '\''; }

// True if text[pos:] is \s*(#.*)?$ (ConfigObj's tail); sets *comment to the
// "#..." part or "".
bool RestIsComment(std::string_view text, size_t pos, std::string* comment) {
  pos = SkipSpace(text, pos);
  if (pos == text.size()) {
    comment->clear();
    return true;
  }
  if (text[pos] != '#') return false;
  *comment = std::string(text.substr(pos));
  return true;
}

// ConfigObj's _unquote: strips one pair of matching outer quotes.
std::string Unquote(std::string_view text) {
  if (text.size() >= 2 && IsQuote(text.front()) &&
      text.front() == text.back()) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

struct ParsedValue {
  bool is_list = false;
  std::vector<std::string> items;
  std::string comment;
};

// ConfigObj's _valueexp/_listvalueexp, as a backtracking parser whose
// failures are memoised per position (so it stays polynomial where the
// regex can go exponential). `text` starts after "=" and its spaces.
class ValueParser {
 public:
  explicit ValueParser(std::string_view text)
      : text_(text), failed_(text.size() + 1, false) {}

  std::optional<ParsedValue> Parse() {
    ParsedValue out;
    if (StartsWith(text_, "'''") || StartsWith(text_, "\"\"\"")) {
      // A one-line triple-quoted value: the first closing triple after
      // which only a comment follows.
      std::string_view quote = text_.substr(0, 3);
      for (size_t j = text_.find(quote, 3); j != std::string_view::npos;
           j = text_.find(quote, j + 1)) {
        if (RestIsComment(text_, j + 3, &out.comment)) {
          out.items.push_back(std::string(text_.substr(3, j - 3)));
          return out;
        }
      }
      return std::nullopt;  // multi-line, or unterminated
    }
    if (!text_.empty() && text_[0] == ',' &&
        RestIsComment(text_, 1, &out.comment)) {
      out.is_list = true;  // "," alone: the empty list
      return out;
    }
    if (!Items(0, /*after_comma=*/false, &out)) return std::nullopt;
    if (!out.is_list && out.items.empty()) out.items.push_back("");  // "k ="
    return out;
  }

 private:
  // Parses items from `pos` (an item start, spaces already skipped) to the
  // end. On success `out` holds all items; is_list tells whether the
  // successful parse went through a comma.
  bool Items(size_t pos, bool after_comma, ParsedValue* out) {
    if (failed_[pos]) return false;
    if (RestIsComment(text_, pos, &out->comment)) {
      out->is_list = after_comma;  // end of value (maybe after "a,")
      return true;
    }
    char c = text_[pos];
    if (IsQuote(c)) {
      // ".*?" is lazy but backtracks: try each closing quote in turn.
      for (size_t j = text_.find(c, pos + 1); j != std::string_view::npos;
           j = text_.find(c, j + 1)) {
        std::string item(text_.substr(pos + 1, j - pos - 1));
        if (RestIsComment(text_, j + 1, &out->comment)) {
          out->items.push_back(std::move(item));
          out->is_list = after_comma;
          return true;
        }
        size_t comma = SkipSpace(text_, j + 1);
        if (comma < text_.size() && text_[comma] == ',') {
          out->items.push_back(std::move(item));
          if (Items(SkipSpace(text_, comma + 1), true, out)) return true;
          out->items.pop_back();
        }
      }
    } else if (c != ',') {
      // Unquoted: a list item runs to the next comma and may not hold "#";
      // a last item runs to the first "#" (the comment).
      size_t stop = text_.find_first_of(",#", pos);
      if (stop == std::string_view::npos || text_[stop] == '#') {
        out->items.push_back(std::string(TrimRight(text_.substr(
            pos, stop == std::string_view::npos ? std::string_view::npos
                                                : stop - pos))));
        out->comment = stop == std::string_view::npos
                           ? std::string()
                           : std::string(text_.substr(stop));
        out->is_list = after_comma;
        return true;
      }
      out->items.push_back(
          std::string(TrimRight(text_.substr(pos, stop - pos))));
      if (Items(SkipSpace(text_, stop + 1), true, out)) return true;
      out->items.pop_back();
    }
    failed_[pos] = true;
    return false;
  }

  std::string_view text_;
  std::vector<bool> failed_;
};

struct ParsedKey {
  std::string indent, raw_key, value_text;
};

// ConfigObj's _keyword: ^(\s*)(".*?"|'.*?'|[^'"=].*?)\s*=\s*(.*)$
std::optional<ParsedKey> ParseKeyLine(std::string_view line) {
  size_t start = SkipSpace(line, 0);
  if (start == line.size() || line[start] == '=') return std::nullopt;
  size_t eq = std::string_view::npos;
  size_t key_end = 0;
  if (IsQuote(line[start])) {
    for (size_t j = line.find(line[start], start + 1);
         j != std::string_view::npos; j = line.find(line[start], j + 1)) {
      size_t p = SkipSpace(line, j + 1);
      if (p < line.size() && line[p] == '=') {
        key_end = j + 1;
        eq = p;
        break;
      }
    }
  } else {
    eq = line.find('=', start);
    if (eq != std::string_view::npos) {
      key_end = start + TrimRight(line.substr(start, eq - start)).size();
    }
  }
  if (eq == std::string_view::npos) return std::nullopt;
  return ParsedKey{std::string(line.substr(0, start)),
                   std::string(line.substr(start, key_end - start)),
                   std::string(line.substr(SkipSpace(line, eq + 1)))};
}

// text[pos:] =~ ((?:\s*\])+)\s*(#.*)?$ — the number of "]", 0 if no match.
int MatchSectionClose(std::string_view text, size_t pos) {
  int count = 0;
  for (;;) {
    size_t p = SkipSpace(text, pos);
    if (p < text.size() && text[p] == ']') {
      ++count;
      pos = p + 1;
    } else {
      break;
    }
  }
  std::string ignored;
  return count > 0 && RestIsComment(text, pos, &ignored) ? count : 0;
}

struct ParsedSection {
  int open = 0, close = 0;
  std::string name;
};

// ConfigObj's _sectionmarker: indentation, "[" (spaces allowed between
// brackets), a name (quoted names need a non-space), "]"s, comment.
std::optional<ParsedSection> ParseSectionLine(std::string_view line) {
  size_t p = SkipSpace(line, 0);
  ParsedSection out;
  while (p < line.size() && line[p] == '[') {
    ++out.open;
    p = SkipSpace(line, p + 1);
  }
  if (out.open == 0 || p == line.size()) return std::nullopt;
  if (IsQuote(line[p])) {
    for (size_t j = line.find(line[p], p + 1); j != std::string_view::npos;
         j = line.find(line[p], j + 1)) {
      std::string_view inner = line.substr(p + 1, j - p - 1);
      if (TrimSpace(inner).empty()) continue;
      if (int close = MatchSectionClose(line, j + 1)) {
        out.close = close;
        out.name = Unquote(line.substr(p, j + 1 - p));
        return out;
      }
    }
    return std::nullopt;
  }
  if (IsSpace(line[p])) return std::nullopt;
  for (size_t e = p + 1; e <= line.size(); ++e) {
    if (int close = MatchSectionClose(line, e)) {
      out.close = close;
      out.name = std::string(line.substr(p, e - p));
      return out;
    }
  }
  return std::nullopt;
}

// ConfigObj's wspace_plus plus "\f", which its reader (like ours) strips as
// \s: without it a value ending in a form feed would be written bare and
// read back without it.
constexpr char kWspacePlus[] = " \r\n\v\t\f'\"";

bool InWspacePlus(char c) {
  return std::string_view(kWspacePlus).find(c) != std::string_view::npos;
}

void CheckWritable(std::string_view what, std::string_view text) {
  if (text.find_first_of(std::string_view("\n\r\0", 3)) !=
      std::string_view::npos) {
    throw UsageError(std::string(what) + " \"" + StripControl(text) +
                     "\" holds a line break or NUL, which a renewal "
                     "configuration cannot store");
  }
}

// ConfigObj's _quote (list_values=True): bare when safe, else "..." or
// '...', else (a scalar holding both quote kinds) '''...'''.
std::string Quote(std::string_view value, bool multiline) {
  CheckWritable("value", value);
  if (value.empty()) return "\"\"";
  bool has_single = value.find('\'') != std::string_view::npos;
  bool has_double = value.find('"') != std::string_view::npos;
  if (multiline && has_single && has_double) {
    if (value.find("'''") == std::string_view::npos) {
      return "'''" + std::string(value) + "'''";
    }
    if (value.find("\"\"\"") == std::string_view::npos) {
      return "\"\"\"" + std::string(value) + "\"\"\"";
    }
  } else if (!InWspacePlus(value.front()) && !InWspacePlus(value.back()) &&
             value.find_first_of(",#") == std::string_view::npos) {
    return std::string(value);
  } else if (!(has_single && has_double)) {
    char q = has_double ? '\'' : '"';
    return q + std::string(value) + q;
  }
  throw UsageError("value \"" + StripControl(value) +
                   "\" cannot be quoted for a renewal configuration");
}

std::string QuoteKey(std::string_view key) {
  CheckWritable("key", key);
  if (key.empty()) throw UsageError("empty key in a renewal configuration");
  // Unlike ConfigObj, also quote a key holding "=", which would otherwise
  // end the key early on reading.
  if (key.find('=') != std::string_view::npos && !InWspacePlus(key.front()) &&
      !InWspacePlus(key.back()) &&
      key.find_first_of(",#") == std::string_view::npos) {
    if (key.find('"') == std::string_view::npos) {
      return "\"" + std::string(key) + "\"";
    }
    if (key.find('\'') == std::string_view::npos) {
      return "'" + std::string(key) + "'";
    }
    throw UsageError("key \"" + StripControl(key) + "\" cannot be quoted");
  }
  return Quote(key, /*multiline=*/false);
}

std::string QuoteList(const std::vector<std::string>& values) {
  if (values.empty()) return ",";
  std::vector<std::string> quoted;
  for (const std::string& v : values) quoted.push_back(Quote(v, false));
  if (quoted.size() == 1) return quoted[0] + ",";
  return Join(quoted, ", ");
}

}  // namespace

RenewalConf RenewalConf::Parse(std::string_view text,
                               const std::string& path_for_errors) {
  RenewalConf conf;
  conf.path_ = path_for_errors;
  conf.sections_.push_back(Section{});
  if (text.empty()) return conf;
  conf.trailing_newline_ = text.back() == '\n';
  if (conf.trailing_newline_) text.remove_suffix(1);
  std::vector<std::string> raws = Split(text, '\n');
  conf.crlf_ = !raws.empty() && EndsWith(raws[0], "\r");
  int current = 0;
  for (size_t i = 0; i < raws.size(); ++i) {
    Line line;
    line.raw = std::move(raws[i]);
    line.number = static_cast<int>(i + 1);
    auto fail = [&](const std::string& why) {
      return StorageError(
          path_for_errors + ":" + std::to_string(line.number) + ": " + why,
          path_for_errors, 0);
    };
    std::string_view body = line.raw;
    if (EndsWith(body, "\r")) body.remove_suffix(1);
    if (i == 0 && StartsWith(body, "\xEF\xBB\xBF")) {
      body.remove_prefix(3);  // a UTF-8 byte order mark, as ConfigObj skips
    }
    if (body.size() > kMaxLineLength) throw fail("line too long");
    std::string_view stripped = TrimSpace(body);
    line.section = current;
    if (stripped.empty()) {
      line.kind = Line::Kind::kBlank;
    } else if (stripped[0] == '#') {
      line.kind = Line::Kind::kComment;
    } else if (auto sect = ParseSectionLine(body)) {
      if (sect->open != sect->close) {
        throw fail("cannot compute the section depth (unbalanced brackets)");
      }
      int depth = sect->open;
      int parent;
      if (depth <= conf.sections_[current].depth) {
        parent = current;
        while (conf.sections_[parent].depth >= depth) {
          parent = conf.sections_[parent].parent;
        }
      } else if (depth == conf.sections_[current].depth + 1) {
        parent = current;
      } else {
        throw fail("section nested too deeply (\"" + StripControl(sect->name) +
                   "\")");
      }
      if (conf.FindEntry(parent, sect->name) >= 0 ||
          conf.FindSection(conf.sections_[parent].path.empty()
                               ? sect->name
                               : conf.sections_[parent].path + "/" +
                                     sect->name) >= 0) {
        throw fail("duplicate section name \"" + StripControl(sect->name) +
                   "\"");
      }
      Section s;
      s.name = sect->name;
      s.path = conf.sections_[parent].path.empty()
                   ? sect->name
                   : conf.sections_[parent].path + "/" + sect->name;
      s.depth = depth;
      s.parent = parent;
      s.header = static_cast<int>(conf.lines_.size());
      conf.sections_.push_back(std::move(s));
      current = static_cast<int>(conf.sections_.size() - 1);
      line.kind = Line::Kind::kSection;
      line.section = current;
    } else if (auto key = ParseKeyLine(body)) {
      std::optional<ParsedValue> value = ValueParser(key->value_text).Parse();
      if (!value) {
        throw fail("cannot parse the value of \"" +
                   StripControl(Unquote(key->raw_key)) +
                   "\" (bad quoting or list, or a multi-line value)");
      }
      line.kind = Line::Kind::kEntry;
      line.indent = std::move(key->indent);
      line.raw_key = std::move(key->raw_key);
      line.key = Unquote(line.raw_key);
      line.comment = std::move(value->comment);
      line.is_list = value->is_list;
      line.items = std::move(value->items);
      const std::string& path = conf.sections_[current].path;
      if (conf.FindEntry(current, line.key) >= 0 ||
          conf.FindSection(path.empty() ? line.key : path + "/" + line.key) >=
              0) {
        throw fail("duplicate key \"" + StripControl(line.key) + "\"");
      }
    } else {
      throw fail("invalid line (neither a [section] nor key = value)");
    }
    conf.lines_.push_back(std::move(line));
  }
  return conf;
}

RenewalConf RenewalConf::Load(sys::Filesystem& fs, const std::string& path) {
  std::string text;
  try {
    text = fs.ReadFile(path);
  } catch (const sys::SysError& e) {
    throw StorageError(
        std::string("reading renewal configuration: ") + e.what(), path,
        e.error_code());
  }
  return Parse(text, path);
}

std::string RenewalConf::Dump() const {
  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines_[i].raw;
  }
  if (trailing_newline_) out += '\n';
  return out;
}

void RenewalConf::Save(sys::Filesystem& fs, const std::string& path) const {
  try {
    sys::WriteFileAtomic(fs, path, Dump(), 0644);
  } catch (const sys::SysError& e) {
    throw StorageError(
        std::string("writing renewal configuration: ") + e.what(), path,
        e.error_code());
  }
}

int RenewalConf::FindSection(std::string_view path) const {
  for (size_t i = 0; i < sections_.size(); ++i) {
    if (sections_[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

int RenewalConf::FindEntry(int section, std::string_view key) const {
  for (size_t i = 0; i < lines_.size(); ++i) {
    const Line& l = lines_[i];
    if (l.kind == Line::Kind::kEntry && l.section == section && l.key == key) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::optional<std::string> RenewalConf::Get(std::string_view section,
                                            std::string_view key) const {
  int s = FindSection(section);
  int i = s < 0 ? -1 : FindEntry(s, key);
  if (i < 0) return std::nullopt;
  const Line& l = lines_[i];
  if (l.is_list) {
    throw StorageError(path_ + ":" + std::to_string(l.number) + ": \"" +
                           StripControl(l.key) +
                           "\" is a list where a single value is expected",
                       path_, 0);
  }
  return l.items.at(0);
}

std::optional<std::vector<std::string>> RenewalConf::GetList(
    std::string_view section, std::string_view key) const {
  int s = FindSection(section);
  int i = s < 0 ? -1 : FindEntry(s, key);
  if (i < 0) return std::nullopt;
  return lines_[i].items;
}

bool RenewalConf::HasSection(std::string_view section) const {
  return FindSection(section) >= 0;
}

std::vector<std::string> RenewalConf::Keys(std::string_view section) const {
  std::vector<std::string> keys;
  int s = FindSection(section);
  for (const Line& l : lines_) {
    if (s >= 0 && l.kind == Line::Kind::kEntry && l.section == s) {
      keys.push_back(l.key);
    }
  }
  return keys;
}

// Inserts before lines_[pos] (pos == size: appends), keeping section header
// indexes right. Appending to a file whose last line had no line break gives
// that line one (in the file's style); the new last line gets one too.
void RenewalConf::InsertLine(size_t pos, Line line) {
  if (pos == lines_.size()) {
    if (!lines_.empty() && !trailing_newline_ && crlf_ &&
        !EndsWith(lines_.back().raw, "\r")) {
      lines_.back().raw += '\r';
    }
    trailing_newline_ = true;
  }
  for (Section& other : sections_) {
    if (other.header >= static_cast<int>(pos)) ++other.header;
  }
  lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(pos),
                std::move(line));
}

// Adds missing sections (parents first), each header at the end of its
// parent's block but before a trailing run of comments and blank lines
// (which, in ConfigObj's model, belong to whatever follows).
int RenewalConf::EnsureSection(std::string_view path) {
  if (int found = FindSection(path); found >= 0) return found;
  size_t slash = path.rfind('/');
  std::string_view name =
      slash == std::string_view::npos ? path : path.substr(slash + 1);
  int parent = slash == std::string_view::npos
                   ? 0
                   : EnsureSection(path.substr(0, slash));
  if (name.empty() ||
      name.find_first_of(std::string_view("[]\"'#\n\r\0", 9)) !=
          std::string_view::npos ||
      IsSpace(name.front()) || IsSpace(name.back())) {
    throw UsageError("invalid renewal configuration section name \"" +
                     StripControl(name) + "\"");
  }
  if (FindEntry(parent, name) >= 0) {
    throw UsageError("\"" + StripControl(name) +
                     "\" is a key, not a section, in the renewal "
                     "configuration");
  }
  const int depth = sections_[parent].depth + 1;
  // The parent's block: up to the next header at its depth or above.
  size_t end = sections_[parent].header < 0
                   ? 0
                   : static_cast<size_t>(sections_[parent].header) + 1;
  while (end < lines_.size() &&
         !(lines_[end].kind == Line::Kind::kSection &&
           sections_[lines_[end].section].depth <= depth - 1)) {
    ++end;
  }
  size_t floor = sections_[parent].header < 0
                     ? 0
                     : static_cast<size_t>(sections_[parent].header) + 1;
  // A UTF-8 BOM is only accepted at the very start of the file: never put
  // a new section above the line that carries it.
  if (floor == 0 && !lines_.empty() &&
      StartsWith(lines_[0].raw, "\xEF\xBB\xBF")) {
    floor = 1;
  }
  while (end > floor && (lines_[end - 1].kind == Line::Kind::kBlank ||
                         lines_[end - 1].kind == Line::Kind::kComment)) {
    --end;
  }
  Section s;
  s.name = std::string(name);
  s.path = std::string(path);
  s.depth = depth;
  s.parent = parent;
  s.header = static_cast<int>(end);
  Line header;
  header.kind = Line::Kind::kSection;
  header.raw = std::string(depth, '[') + std::string(name) +
               std::string(depth, ']') + (crlf_ ? "\r" : "");
  header.section = static_cast<int>(sections_.size());
  InsertLine(end, std::move(header));  // before s exists: shifts the others
  sections_.push_back(std::move(s));
  return static_cast<int>(sections_.size() - 1);
}

void RenewalConf::SetEncoded(std::string_view section, std::string_view key,
                             bool is_list, std::vector<std::string> items,
                             const std::string& encoded) {
  std::string quoted_key = QuoteKey(key);
  int s = EnsureSection(section);
  const std::string& path = sections_[s].path;
  if (FindSection(path.empty() ? std::string(key)
                               : path + "/" + std::string(key)) >= 0) {
    throw UsageError("\"" + StripControl(key) +
                     "\" is a section, not a key, in the renewal "
                     "configuration");
  }
  const std::string cr = crlf_ ? "\r" : "";
  if (int i = FindEntry(s, key); i >= 0) {
    Line& l = lines_[i];
    bool had_cr = EndsWith(l.raw, "\r");
    l.raw = l.indent + l.raw_key + " = " + encoded +
            (l.comment.empty() ? "" : " " + l.comment) + (had_cr ? "\r" : "");
    l.is_list = is_list;
    l.items = std::move(items);
    return;
  }
  // After the section's last key; with none, right after its header (or,
  // at the top level, before the comments that lead into the first
  // section).
  size_t pos = 0;
  bool found = false;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (lines_[i].kind == Line::Kind::kEntry && lines_[i].section == s) {
      pos = i + 1;
      found = true;
    }
  }
  if (!found && sections_[s].header >= 0) {
    pos = static_cast<size_t>(sections_[s].header) + 1;
  } else if (!found) {
    pos = lines_.size();
    for (size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].kind == Line::Kind::kSection) {
        pos = i;
        while (pos > 0 && (lines_[pos - 1].kind == Line::Kind::kBlank ||
                           lines_[pos - 1].kind == Line::Kind::kComment)) {
          --pos;
        }
        break;
      }
    }
  }
  Line l;
  l.kind = Line::Kind::kEntry;
  l.section = s;
  l.indent = sections_[s].header >= 0
                 ? std::string(lines_[sections_[s].header].raw.substr(
                       0, SkipSpace(lines_[sections_[s].header].raw, 0)))
                 : std::string();
  l.raw_key = quoted_key;
  l.key = std::string(key);
  l.is_list = is_list;
  l.items = std::move(items);
  l.raw = l.indent + l.raw_key + " = " + encoded + cr;
  InsertLine(pos, std::move(l));
}

void RenewalConf::Set(std::string_view section, std::string_view key,
                      std::string_view value) {
  std::string encoded = Quote(value, /*multiline=*/true);
  SetEncoded(section, key, false, {std::string(value)}, encoded);
}

void RenewalConf::SetList(std::string_view section, std::string_view key,
                          const std::vector<std::string>& values) {
  std::string encoded = QuoteList(values);
  SetEncoded(section, key, true, values, encoded);
}

bool RenewalConf::Remove(std::string_view section, std::string_view key) {
  int s = FindSection(section);
  int i = s < 0 ? -1 : FindEntry(s, key);
  if (i < 0) return false;
  for (Section& other : sections_) {
    if (other.header > i) --other.header;
  }
  lines_.erase(lines_.begin() + i);
  return true;
}

RenewalConf NewRenewalConf(const Layout& layout, const std::string& name,
                           const std::string& version,
                           const std::vector<std::string>& first_comment) {
  const std::string live = layout.live_dir(name);
  std::string text;
  for (const std::string& line : first_comment) text += "# " + line + "\n";
  auto add = [&](const char* key, const std::string& value) {
    text += std::string(key) + " = " + Quote(value, true) + "\n";
  };
  add("version", version);
  add("archive_dir", layout.archive_dir(name));
  add("cert", sys::JoinPath(live, "cert.pem"));
  add("privkey", sys::JoinPath(live, "privkey.pem"));
  add("chain", sys::JoinPath(live, "chain.pem"));
  add("fullchain", sys::JoinPath(live, "fullchain.pem"));
  text += "\n# Options used in the renewal process\n[renewalparams]\n";
  return RenewalConf::Parse(text, layout.renewal_conf(name));
}

}  // namespace certpilot::storage
