// Splits nginx configuration text into tokens the way nginx's own reader
// (ngx_conf_read_token in src/core/ngx_conf_file.c) does, without losing a
// byte: every byte of the input is returned by exactly one call, as trivia
// (whitespace and #-comments), as a token, or as the body of a
// *_by_lua_block (read the way ngx_lua reads it).
//
// nginx's rules, which this lexer follows exactly:
//  - Whitespace is space, tab, CR and LF; lines are counted by LF only.
//  - '#' starts a comment only where a token could start; inside a word
//    ("a#b") it is an ordinary character, as are '}' and quotes.
//  - A bare word ends before whitespace, ';' or '{' — except that '{'
//    right after '$' belongs to the word ("${var}"). A backslash makes the
//    next byte part of the word whatever it is.
//  - A word starting with '"' or '\'' runs to the matching unescaped quote
//    and must be followed by whitespace, ';', '{', ')' or the end of input.
//
// Not thread-safe; a Lexer reads one buffer the caller keeps alive.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::nginx {

enum class TokenKind { kWord, kSemicolon, kOpenBrace, kCloseBrace, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // the raw bytes (empty for kEnd)
  size_t offset = 0;      // where the token starts in the input
};

struct Position {
  int line = 1;    // 1-based, counting '\n'
  int column = 1;  // 1-based, in bytes
};

class Lexer {
 public:
  // `text` must outlive the lexer; `file` names it in ParseErrors.
  Lexer(std::string_view text, std::string file);

  // Whitespace and comments from the current position up to the next token
  // or the end of input (possibly empty).
  std::string_view ReadTrivia();

  // The rest of the current line after a ';', '{' or '}': blanks, an
  // optional comment and the '\n' — or nothing at all when another token
  // follows on the same line (that trivia then belongs to the next token).
  std::string_view ReadLineEnd();

  // The next token. REQUIRES: ReadTrivia() was called since the last token,
  // so the input is at a token or at its end.
  // Throws ParseError on an unterminated quoted string (at its opening quote)
  // or a quoted string followed by something other than whitespace, ';',
  // '{' or ')' (at that byte).
  Token ReadToken();

  // REQUIRES: the last token read was the '{' (at `open_brace_offset`) of a
  // *_by_lua_block directive. Returns the Lua code up to the matching '}',
  // which is consumed but not returned. Lua strings ('…', "…", [[…]],
  // [==[…]==]) and comments (--…, --[[…]]) may contain braces.
  // Throws ParseError when the block, a Lua string or a long comment is not
  // closed (at the construct's first byte).
  std::string_view ReadLuaBody(size_t open_brace_offset);

  size_t offset() const { return pos_; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  Position PositionOf(size_t offset) const;
  const std::string& file() const { return file_; }

  // Throws ParseError for `offset`.
  [[noreturn]] void Fail(size_t offset, const std::string& reason) const;

 private:
  Token ReadQuoted(char quote);
  Token ReadBare();
  // If a Lua long bracket "[", "="*level, "[" starts at `i`, sets *level.
  bool LongBracketAt(size_t i, size_t* level) const;

  std::string_view text_;
  std::string file_;
  size_t pos_ = 0;
  std::vector<size_t> line_starts_;  // offsets where each line begins
};

// nginx's value of a word: the surrounding quotes removed; backslash-quote,
// backslash-apostrophe and a doubled backslash unescaped; \t \r \n turned
// into tab, CR and LF; any other backslash kept with the byte after it.
std::string WordValue(std::string_view raw);

// True when `raw` lexes as exactly one word however it is followed by a
// space or ';' — so it can be written as an argument without changing any
// other token — and contains no control character.
bool IsSingleWord(std::string_view raw);

// "x" for a printable byte, "\x0a" style otherwise (for error messages).
std::string PrintableByte(char c);

}  // namespace certpilot::nginx
