#include "nginx/config/lexer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "nginx/config/parse_error.h"

namespace certpilot::nginx {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

Lexer::Lexer(std::string_view text, std::string file)
    : text_(text), file_(std::move(file)) {
  line_starts_.push_back(0);
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  for (const char* p = begin; p < end;) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) break;
    p = static_cast<const char*>(nl) + 1;
    line_starts_.push_back(static_cast<size_t>(p - begin));
  }
}

Position Lexer::PositionOf(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const size_t line = static_cast<size_t>(it - line_starts_.begin());
  return Position{static_cast<int>(line),
                  static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

void Lexer::Fail(size_t offset, const std::string& reason) const {
  const Position p = PositionOf(offset);
  throw ParseError(file_, p.line, p.column, reason);
}

std::string_view Lexer::ReadTrivia() {
  const size_t start = pos_;
  const size_t n = text_.size();
  while (pos_ < n) {
    const char c = text_[pos_];
    if (IsSpace(c)) {
      ++pos_;
    } else if (c == '#') {
      const size_t nl = text_.find('\n', pos_);
      pos_ = nl == std::string_view::npos ? n : nl;
    } else {
      break;
    }
  }
  return text_.substr(start, pos_ - start);
}

std::string_view Lexer::ReadLineEnd() {
  const size_t n = text_.size();
  size_t i = pos_;
  while (i < n && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\r')) {
    ++i;
  }
  if (i < n && text_[i] == '#') {
    const size_t nl = text_.find('\n', i);
    i = nl == std::string_view::npos ? n : nl;
  }
  if (i < n) {
    if (text_[i] != '\n') return {};  // a token follows on this line
    ++i;
  }
  const size_t start = pos_;
  pos_ = i;
  return text_.substr(start, i - start);
}

Token Lexer::ReadToken() {
  const size_t start = pos_;
  if (pos_ >= text_.size()) return Token{TokenKind::kEnd, {}, start};
  switch (text_[pos_]) {
    case ';':
      ++pos_;
      return Token{TokenKind::kSemicolon, text_.substr(start, 1), start};
    case '{':
      ++pos_;
      return Token{TokenKind::kOpenBrace, text_.substr(start, 1), start};
    case '}':
      ++pos_;
      return Token{TokenKind::kCloseBrace, text_.substr(start, 1), start};
    case '"':
    case '\'':
      return ReadQuoted(text_[pos_]);
    default:
      return ReadBare();
  }
}

Token Lexer::ReadQuoted(char quote) {
  const size_t start = pos_;
  const size_t n = text_.size();
  size_t i = start + 1;
  for (;;) {
    if (i >= n) {
      Fail(start, std::string("unterminated string: no closing ") + quote +
                      " before the end of the file");
    }
    const char c = text_[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    ++i;
    if (c == quote) break;
  }
  if (i < n) {
    const char next = text_[i];
    if (!IsSpace(next) && next != ';' && next != '{' && next != ')') {
      Fail(i, "unexpected \"" + PrintableByte(next) +
                  "\" after a quoted string (expected a space, \";\" or "
                  "\"{\")");
    }
  }
  pos_ = i;
  return Token{TokenKind::kWord, text_.substr(start, i - start), start};
}

Token Lexer::ReadBare() {
  const size_t start = pos_;
  const size_t n = text_.size();
  size_t i = start;
  bool variable = false;
  while (i < n) {
    const char c = text_[i];
    if (c == '{' && variable) {  // "${name}": nginx keeps the flag set
      ++i;
      continue;
    }
    variable = false;
    if (c == '\\') {
      i = std::min(i + 2, n);
      continue;
    }
    if (c == '$') {
      variable = true;
      ++i;
      continue;
    }
    if (IsSpace(c) || c == ';' || c == '{') break;
    ++i;
  }
  pos_ = i;
  return Token{TokenKind::kWord, text_.substr(start, i - start), start};
}

bool Lexer::LongBracketAt(size_t i, size_t* level) const {
  if (i >= text_.size() || text_[i] != '[') return false;
  size_t j = i + 1;
  while (j < text_.size() && text_[j] == '=') ++j;
  if (j >= text_.size() || text_[j] != '[') return false;
  *level = j - i - 1;
  return true;
}

std::string_view Lexer::ReadLuaBody(size_t open_brace_offset) {
  const size_t start = pos_;
  const size_t n = text_.size();
  size_t depth = 0;
  size_t i = start;
  // Skips a long bracket starting at `i`; returns the offset after it.
  auto skip_long = [&](size_t at, size_t level, const char* what) {
    const std::string close = "]" + std::string(level, '=') + "]";
    const size_t end = text_.find(close, at + level + 2);
    if (end == std::string_view::npos) {
      Fail(at,
           std::string("unterminated Lua ") + what + " (no \"" + close + "\")");
    }
    return end + close.size();
  };
  while (i < n) {
    const char c = text_[i];
    size_t level = 0;
    if (c == '-' && i + 1 < n && text_[i + 1] == '-') {
      if (LongBracketAt(i + 2, &level)) {
        const size_t after = skip_long(i + 2, level, "comment");
        i = after;
      } else {
        const size_t nl = text_.find('\n', i);
        i = nl == std::string_view::npos ? n : nl;
      }
      continue;
    }
    if (c == '[' && LongBracketAt(i, &level)) {
      i = skip_long(i, level, "long string");
      continue;
    }
    if (c == '"' || c == '\'') {
      const size_t string_start = i;
      ++i;
      while (i < n && text_[i] != c) i += text_[i] == '\\' ? 2 : 1;
      if (i >= n) {
        Fail(string_start, std::string("unterminated Lua string: no closing ") +
                               c + " before the end of the file");
      }
      ++i;
      continue;
    }
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (depth == 0) {
        pos_ = i + 1;
        return text_.substr(start, i - start);
      }
      --depth;
    }
    ++i;
  }
  Fail(open_brace_offset,
       "unexpected end of file: the Lua block opened here is not closed "
       "(missing \"}\")");
}

std::string WordValue(std::string_view raw) {
  std::string_view body = raw;
  if (raw.size() >= 2 && (raw[0] == '"' || raw[0] == '\'') &&
      raw.back() == raw[0]) {
    body = raw.substr(1, raw.size() - 2);
  }
  std::string value;
  value.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      switch (body[i + 1]) {
        case '"':
        case '\'':
        case '\\':
          value += body[++i];
          continue;
        case 't':
          value += '\t';
          ++i;
          continue;
        case 'r':
          value += '\r';
          ++i;
          continue;
        case 'n':
          value += '\n';
          ++i;
          continue;
        default:
          break;
      }
    }
    value += body[i];
  }
  return value;
}

bool IsSingleWord(std::string_view raw) {
  if (raw.empty()) return false;
  for (char c : raw) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  // Followed by ';' and, separately, by a space: the word must end exactly
  // where `raw` ends in both cases.
  for (const char* follower : {";", " ;"}) {
    const std::string probe = std::string(raw) + follower;
    Lexer lexer(probe, "<value>");
    try {
      if (!lexer.ReadTrivia().empty()) return false;
      const Token word = lexer.ReadToken();
      if (word.kind != TokenKind::kWord || word.text.size() != raw.size()) {
        return false;
      }
      lexer.ReadTrivia();
      if (lexer.ReadToken().kind != TokenKind::kSemicolon) return false;
      if (!lexer.AtEnd()) return false;
    } catch (const ParseError&) {
      return false;
    }
  }
  return true;
}

std::string PrintableByte(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 0xf];
}

}  // namespace certpilot::nginx
