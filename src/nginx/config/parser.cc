#include "nginx/config/parser.h"

#include <string>
#include <utility>
#include <vector>

#include "nginx/config/lexer.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::string& path) : lexer_(text, path) {}

  void ParseFile(Config* config) {
    ParseBody(&config->root(), nullptr, 0, 0);
    config->set_style(newline_.empty() ? "\n" : newline_,
                      indent_unit_.empty() ? "    " : indent_unit_);
  }

 private:
  // Parses children until '}' (owner != nullptr) or the end of the file.
  void ParseBody(Block* block, const Directive* owner, size_t open_offset,
                 int depth) {
    std::string_view trivia = lexer_.ReadTrivia();
    for (;;) {
      const Token token = lexer_.ReadToken();
      switch (token.kind) {
        case TokenKind::kEnd:
          if (owner != nullptr) {
            lexer_.Fail(open_offset,
                        "unexpected end of file: the block \"" +
                            StripControl(owner->name()) +
                            "\" opened here is not closed (missing \"}\")");
          }
          block->closing() = std::string(trivia);
          return;
        case TokenKind::kCloseBrace:
          if (owner == nullptr) {
            lexer_.Fail(token.offset,
                        "unexpected \"}\": there is no open block to close");
          }
          block->closing() = std::string(trivia);
          return;
        case TokenKind::kSemicolon:
        case TokenKind::kOpenBrace:
          lexer_.Fail(token.offset, "unexpected \"" + std::string(token.text) +
                                        "\": a directive name is missing");
        case TokenKind::kWord:
          break;
      }
      block->children().push_back(ParseDirective(token, trivia, depth));
      trivia = lexer_.ReadTrivia();
    }
  }

  // Parses a directive whose name is `name`; consumes its ';' or block and
  // the rest of its line.
  Directive ParseDirective(const Token& name, std::string_view leading,
                           int depth) {
    std::vector<Word> args;
    size_t word_end = name.offset + name.text.size();
    for (;;) {
      const std::string_view space = lexer_.ReadTrivia();
      const Token token = lexer_.ReadToken();
      switch (token.kind) {
        case TokenKind::kWord: {
          Word arg = Word::Parsed(token.text);
          arg.space_before() = std::string(space);
          args.push_back(std::move(arg));
          word_end = token.offset + token.text.size();
          continue;
        }
        case TokenKind::kSemicolon:
        case TokenKind::kOpenBrace: {
          Word name_word = Word::Parsed(name.text);
          Directive::Kind kind = Directive::Kind::kSimple;
          if (token.kind == TokenKind::kOpenBrace) {
            kind = EndsWith(name_word.value(), "_by_lua_block")
                       ? Directive::Kind::kLuaBlock
                       : Directive::Kind::kBlock;
          }
          const Position pos = lexer_.PositionOf(name.offset);
          Directive d(std::move(name_word), kind, pos.line, pos.column);
          d.leading() = std::string(leading);
          for (Word& arg : args) d.AddParsedArg(std::move(arg));
          d.before_terminator() = std::string(space);
          if (kind == Directive::Kind::kLuaBlock) {
            d.lua_body() = std::string(lexer_.ReadLuaBody(token.offset));
          } else if (kind == Directive::Kind::kBlock) {
            if (depth + 1 > kMaxNesting) {
              lexer_.Fail(token.offset, "blocks are nested more than " +
                                            std::to_string(kMaxNesting) +
                                            " deep");
            }
            NoteNewline(lexer_.ReadLineEnd(), &d.block().after_open());
            ParseBody(&d.block(), &d, token.offset, depth + 1);
            NoteIndent(d);
          }
          NoteNewline(lexer_.ReadLineEnd(), &d.trailing());
          return d;
        }
        case TokenKind::kCloseBrace:
        case TokenKind::kEnd:
          lexer_.Fail(
              word_end,
              std::string("unexpected ") +
                  (token.kind == TokenKind::kEnd ? "end of file" : "\"}\"") +
                  ": the directive \"" + StripControl(WordValue(name.text)) +
                  "\" is not terminated by \";\"");
      }
    }
  }

  // Stores a line end and remembers the file's first newline style.
  void NoteNewline(std::string_view line_end, std::string* into) {
    *into = std::string(line_end);
    if (newline_.empty() && EndsWith(line_end, "\n")) {
      newline_ = EndsWith(line_end, "\r\n") ? "\r\n" : "\n";
    }
  }

  // Remembers the first indentation step: a child's indentation minus its
  // block's.
  void NoteIndent(const Directive& d) {
    if (!indent_unit_.empty() || d.block().children().empty()) return;
    const std::string outer = LastLineIndent(d.leading());
    const std::string inner =
        LastLineIndent(d.block().children().front().leading());
    if (inner.size() > outer.size() && StartsWith(inner, outer)) {
      indent_unit_ = inner.substr(outer.size());
    }
  }

  Lexer lexer_;
  std::string newline_;
  std::string indent_unit_;
};

}  // namespace

Config ParseConfig(std::string_view text, const std::string& path) {
  Config config(path, std::string(text));
  Parser(text, path).ParseFile(&config);
  return config;
}

}  // namespace certpilot::nginx
