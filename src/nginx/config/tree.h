// The lossless syntax tree of one nginx configuration file, and the edits
// certpilot makes to it.
//
// Every byte of a parsed file lives in exactly one place, so that
// Dump(ParseConfig(text)) == text for every text the parser accepts:
//
//   <leading>name<space>arg…<before_terminator>;<trailing>
//   <leading>name<space>arg…<before_terminator>{<after_open>
//       children…<closing>}<trailing>
//   <leading>name…<before_terminator>{<lua_body>}<trailing>  (*_by_lua_block)
//   file: children…<closing>
//
// Trivia (whitespace and #-comments) is attached as follows: `trailing` and
// `after_open` hold the rest of the line after ';', '}' or '{' (blanks, an
// optional comment, the newline) — or nothing when another token follows on
// that line; `leading` holds everything before the name since then (blank
// lines, comment lines, the indentation); `closing` holds what follows the
// last child (up to '}', or to the end of the file).
//
// New directives are built with Directive::Simple / Directive::WithBlock from
// Words made by Word::FromValue (validated, see value_validation.h) or
// Word::FromTrustedRaw (certpilot's own constants). Config::Append /
// InsertBefore / InsertAfter give them the indentation and newline style of
// their siblings and check every new word again; Dump checks new words once
// more before writing them.
//
// Directives live in std::lists, so a Directive& stays valid until that
// directive itself is removed. Not thread-safe.
#pragma once

#include <list>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::nginx {

// One word of a directive: its name or one argument.
class Word {
 public:
  enum class Origin {
    kParsed,      // read from a file
    kValue,       // built by FromValue: raw() == value(), a safe value
    kTrustedRaw,  // built by FromTrustedRaw: certpilot's own syntax
  };

  // A word as read from a file: `raw` verbatim, value() per nginx's rules.
  static Word Parsed(std::string_view raw);
  // A new word that means exactly `value`, written bare. Throws UsageError
  // unless ValidateConfigValue(value) accepts it.
  static Word FromValue(std::string_view value);
  // A new word written exactly as `raw` — for certpilot's own constant syntax
  // such as "$host", "https://$host$request_uri" or "\"text/plain\"". Throws
  // UsageError unless `raw` is one self-contained nginx word (IsSingleWord).
  // Never splice outside input into `raw` without ValidateConfigValue first.
  static Word FromTrustedRaw(std::string_view raw);

  const std::string& raw() const { return raw_; }
  // What nginx sees: quotes removed, escapes resolved.
  const std::string& value() const { return value_; }
  Origin origin() const { return origin_; }
  bool quoted() const {
    return !raw_.empty() && (raw_[0] == '"' || raw_[0] == '\'');
  }

  // Trivia between the previous word and this one. Unused for a name (see
  // Directive::leading); new arguments get " " when inserted.
  std::string& space_before() { return space_before_; }
  const std::string& space_before() const { return space_before_; }

 private:
  Word(std::string raw, std::string value, Origin origin);

  std::string space_before_;
  std::string raw_;
  std::string value_;
  Origin origin_;
};

class Directive;

// The children of a block directive or of a whole file, with the trivia
// inside the braces that belongs to no child.
class Block {
 public:
  std::list<Directive>& children() { return children_; }
  const std::list<Directive>& children() const { return children_; }
  // After '{' on its line. Always empty for a file.
  std::string& after_open() { return after_open_; }
  const std::string& after_open() const { return after_open_; }
  // After the last child: up to '}' for a block, to the end for a file.
  std::string& closing() { return closing_; }
  const std::string& closing() const { return closing_; }

  // Direct children named `name` (includes are not followed).
  Directive* Find(std::string_view name);
  const Directive* Find(std::string_view name) const;
  std::vector<Directive*> FindAll(std::string_view name);

 private:
  std::list<Directive> children_;
  std::string after_open_;
  std::string closing_;
};

class Directive {
 public:
  enum class Kind {
    kSimple,    // name args… ;
    kBlock,     // name args… { children }
    kLuaBlock,  // *_by_lua_block { Lua code kept verbatim }
  };

  // New directives (formatting is assigned when inserted). Throw UsageError
  // if `name` is not a safe value.
  static Directive Simple(std::string_view name, std::vector<Word> args = {});
  static Directive WithBlock(std::string_view name, std::vector<Word> args,
                             std::vector<Directive> children);
  // Adds " # comment" after the ';' or '}' of a new directive. Throws
  // UsageError if `comment` holds a control character (a newline would end
  // the comment). REQUIRES: is_new().
  Directive& WithComment(std::string_view comment);

  // For the parser: a directive read from a file at line:column.
  Directive(Word name, Kind kind, int line, int column);

  const std::string& name() const { return name_.value(); }
  const Word& name_word() const { return name_; }
  const std::vector<Word>& args() const { return args_; }
  // Values of all arguments.
  std::vector<std::string> ArgValues() const;
  // The value of argument `i`. REQUIRES: i < args().size().
  const std::string& arg(size_t i) const { return args_[i].value(); }
  // Replaces argument `i`, keeping the whitespace before it.
  // REQUIRES: i < args().size().
  void SetArg(size_t i, Word word);
  // Appends an argument (after a space).
  void AddArg(Word word);
  // Removes argument `i` with the whitespace before it.
  void RemoveArg(size_t i);
  // For the parser.
  void AddParsedArg(Word word) { args_.push_back(std::move(word)); }

  Kind kind() const { return kind_; }
  bool has_block() const { return kind_ == Kind::kBlock; }
  // Children; always empty unless has_block().
  Block& block() { return block_; }
  const Block& block() const { return block_; }
  // The Lua code between the braces of a kLuaBlock.
  std::string& lua_body() { return lua_body_; }
  const std::string& lua_body() const { return lua_body_; }

  // Where the name started in its file (1-based); 0 for new directives.
  int line() const { return line_; }
  int column() const { return column_; }
  // True from Simple/WithBlock until the directive is inserted.
  bool is_new() const { return fresh_; }
  const std::string& pending_comment() const { return comment_; }

  // Trivia (see the file comment). Keep them whitespace and comments.
  std::string& leading() { return leading_; }
  const std::string& leading() const { return leading_; }
  std::string& before_terminator() { return before_terminator_; }
  const std::string& before_terminator() const { return before_terminator_; }
  std::string& trailing() { return trailing_; }
  const std::string& trailing() const { return trailing_; }

  // For an `include` loaded by LoadConfigGraph: the files it named, in
  // nginx's order (empty otherwise).
  const std::vector<std::string>& included_paths() const {
    return included_paths_;
  }
  void set_included_paths(std::vector<std::string> paths) {
    included_paths_ = std::move(paths);
  }

 private:
  friend class Config;  // formats new directives on insertion

  Word name_;
  std::vector<Word> args_;
  Kind kind_;
  std::string leading_;
  std::string before_terminator_;
  std::string trailing_;
  Block block_;
  std::string lua_body_;
  int line_ = 0;
  int column_ = 0;
  bool fresh_ = false;
  std::string comment_;
  // Set by Config::Place so that Remove restores the text exactly: newline
  // bytes it added before the directive / the newline it added after a
  // comment on a line that went on.
  size_t newline_added_before_ = 0;
  bool newline_added_after_ = false;
  std::vector<std::string> included_paths_;
};

// One configuration file.
class Config {
 public:
  // `original_text` is what the file held when read (for IsModified and
  // backups); the parser fills the tree.
  Config(std::string path, std::string original_text);

  const std::string& path() const { return path_; }
  Block& root() { return root_; }
  const Block& root() const { return root_; }
  const std::string& original_text() const { return original_text_; }

  // The file's text: byte-identical to original_text() until edited.
  // Throws UsageError if a new word fails its safety check.
  std::string Dump() const;
  bool IsModified() const { return Dump() != original_text_; }

  // The newline style ("\n" or "\r\n") and indentation step ("    " by
  // default) used for new directives, as found in the file by the parser.
  const std::string& newline() const { return newline_; }
  const std::string& indent_unit() const { return indent_unit_; }
  void set_style(std::string newline, std::string indent_unit);

  // Every directive named `name` at any depth of this file, in file order
  // (includes are not followed).
  std::vector<Directive*> FindAll(std::string_view name);
  // True if `d` (by identity) is in this file's tree.
  bool Contains(const Directive& d) const;
  // The block directive holding `d`, or nullptr when `d` is at the top level.
  // Throws std::invalid_argument if `d` is not in this file.
  Directive* ParentOf(const Directive& d);

  // Edits. `d` gets the indentation and newline style of its siblings (see
  // tree_edit.cc for the exact rules); a new block's children are indented
  // one indent_unit() deeper. Every word that was not read from a file is
  // checked again first (UsageError, tree unchanged). Return the inserted
  // directive. Throw std::invalid_argument when `parent`/`sibling` is not in
  // this file or `parent` has no block.
  //
  // Appends `d` as the last child of `parent` (nullptr: the file).
  Directive& Append(Directive* parent, Directive d);
  Directive& InsertBefore(const Directive& sibling, Directive d);
  Directive& InsertAfter(const Directive& sibling, Directive d);
  // Removes `d` with its line; comment lines before it are kept. Removing a
  // directive inserted by this class restores the text it had before.
  void Remove(const Directive& d);

 private:
  // Inserts `n` before `pos` in `block`, formatted after the sibling `ref`
  // (end() when the block is empty); `before`: n goes before ref.
  Directive& Place(Block& block, Directive* parent,
                   std::list<Directive>::iterator pos,
                   std::list<Directive>::iterator ref, bool before,
                   Directive n);
  // Formats a new directive whose line is indented by `indent`.
  void FormatNew(Directive& n, const std::string& indent,
                 const std::string& nl) const;

  std::string path_;
  std::string original_text_;
  Block root_;
  std::string newline_ = "\n";
  std::string indent_unit_ = "    ";
};

// The blanks (spaces, tabs) on the last line of a leading trivia — the
// indentation of the directive it precedes; "" if that line holds more.
std::string LastLineIndent(std::string_view leading);

}  // namespace certpilot::nginx
