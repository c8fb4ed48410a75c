// The lossless syntax tree of one Apache httpd configuration file.
//
// Apache reads a configuration line by line (server/config.c, util.c
// ap_cfg_getline): a backslash just before the end of a line joins the next
// line to it; leading and trailing blanks go; an empty line or one whose first
// character is '#' is a comment; otherwise the first word is the directive's
// name. A name beginning with '<' opens a section that ends at its own
// "</Name>" line. Every byte of a parsed file lives in exactly one place, so
// that Config::Dump() == the parsed text for every text the parser accepts:
//
//   directive: <leading>name<space>arg…<tail>
//   section:   <leading><Name<space>arg…<tail>   (tail holds the '>')
//                children…
//              <closing>close_word<close_tail>
//   file:      children…<closing>
//
// `leading` holds the blank and comment lines before a node and the blanks
// that indent it; `tail` everything after its last word to the end of its
// line, the newline included ("" at the end of a file without one); a word's
// `space_before` the blanks (and any line continuations) before it. Words
// keep their raw bytes (quotes, escapes, continuations) next to the value
// Apache's ap_getword_conf gives them; ${VAR} is NOT resolved here (Apache
// resolves it on the whole line, see the loader).
//
// New nodes are built with Node::Directive / Node::Section from values
// (Word::FromValue quotes what needs quoting and refuses what no word can
// hold); Config::Append gives them the indentation and newline style of
// their siblings, and Config::Remove takes a node out again — removing an
// appended node restores the text it had before, byte for byte.
//
// Nodes live in std::lists, so a Node& stays valid until it is removed.
// Not thread-safe.
#pragma once

#include <list>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::apache {

class Word {
 public:
  Word() = default;
  // A new word that httpd reads as exactly `value` (after ${VAR}
  // substitution, which it must not trigger): bare when it can be, else in
  // double quotes with '"' and '\\' escaped. Throws UsageError for an empty
  // value, a control character (a newline would end the line), "${" or a
  // trailing backslash.
  static Word FromValue(std::string_view value);
  // `raw`: the bytes in the file; `value`: what Apache reads.
  Word(std::string space_before, std::string raw, std::string value)
      : space_before_(std::move(space_before)),
        raw_(std::move(raw)),
        value_(std::move(value)) {}

  const std::string& space_before() const { return space_before_; }
  const std::string& raw() const { return raw_; }
  const std::string& value() const { return value_; }

 private:
  std::string space_before_;
  std::string raw_;
  std::string value_;
};

class Node;

// The children of a section or of a whole file, and the trivia after the
// last child (up to the "</Name>" line, or to the end of the file).
class Block {
 public:
  std::list<Node>& children() { return children_; }
  const std::list<Node>& children() const { return children_; }
  std::string& closing() { return closing_; }
  const std::string& closing() const { return closing_; }

 private:
  std::list<Node> children_;
  std::string closing_;
};

class Node {
 public:
  enum class Kind { kDirective, kSection };

  // New nodes (formatted when appended). Throw UsageError as
  // Word::FromValue does, or for a name that is not [A-Za-z0-9_-]+.
  static Node Directive(std::string_view name,
                        const std::vector<std::string>& args);
  static Node Section(std::string_view name,
                      const std::vector<std::string>& args,
                      std::vector<Node> children);

  // For the parser: a node on `line` (1-based; the last physical line of a
  // continued one, as httpd counts). For a
  // section, `name` is the word without its '<' (raw keeps it).
  Node(Kind kind, std::string leading, Word name, int line)
      : kind_(kind),
        leading_(std::move(leading)),
        name_(std::move(name)),
        line_(line) {}

  Kind kind() const { return kind_; }
  bool is_section() const { return kind_ == Kind::kSection; }
  // As written ("ServerName", "VirtualHost"); Apache compares names without
  // regard to case: see Is().
  const std::string& name() const { return name_.value(); }
  bool Is(std::string_view name) const;
  const Word& name_word() const { return name_; }
  const std::vector<Word>& args() const { return args_; }
  std::vector<std::string> ArgValues() const;
  // 0 for a new node.
  int line() const { return line_; }

  const std::string& leading() const { return leading_; }
  const std::string& tail() const { return tail_; }
  // Sections only: the children, the closing word ("</VirtualHost>") and
  // what follows it to the end of its line.
  Block& block() { return block_; }
  const Block& block() const { return block_; }
  const std::string& close_word() const { return close_word_; }
  const std::string& close_tail() const { return close_tail_; }

  // For the parser.
  void AddArg(Word word) { args_.push_back(std::move(word)); }
  void set_tail(std::string tail) { tail_ = std::move(tail); }
  void set_close(std::string word, std::string tail) {
    close_word_ = std::move(word);
    close_tail_ = std::move(tail);
  }

  // This node's text: leading, words, tail, and for a section its children
  // and closing line.
  void DumpTo(std::string* out) const;

 private:
  friend class Config;  // formats new nodes when appended

  Kind kind_;
  std::string leading_;
  Word name_;
  std::vector<Word> args_;
  std::string tail_;
  Block block_;
  std::string close_word_;
  std::string close_tail_;
  int line_;
  // Set by Config::Append: the newline it put before this node (the file
  // did not end with one), which Remove takes out again.
  std::string added_before_;
};

// One configuration file.
class Config {
 public:
  Config(std::string path, std::string original_text)
      : path_(std::move(path)), original_text_(std::move(original_text)) {}

  const std::string& path() const { return path_; }
  const std::string& original_text() const { return original_text_; }
  Block& root() { return root_; }
  const Block& root() const { return root_; }

  // The file's text: byte-identical to original_text() for a parsed file.
  std::string Dump() const;

  // Every node named `name` (any case) at any depth, in file order
  // (includes are not followed).
  std::vector<const Node*> FindAll(std::string_view name) const;

  // "\r\n" when the file's first line ends so, else "\n": what new lines
  // end with.
  std::string newline() const;

  // Appends `node` as the last child of `section` (nullptr: the file),
  // indented like its siblings (or one step deeper than `section`, with a
  // tab when `section` is indented with tabs, else four spaces). Returns the
  // node in the tree. Throws std::invalid_argument when `section` is not a
  // section of this file.
  Node& Append(const Node* section, Node node);
  // As Append, with a comment line "# COMMENT", indented as the node, right
  // before it. Throws UsageError for a control character in `comment`.
  Node& Append(const Node* section, Node node, std::string_view comment);
  // Puts `node` first in `section`, right after its opening line (before
  // the comment lines of its first child), indented as that child (or as
  // Append indents). Throws std::invalid_argument when `section` is not a
  // section of this file.
  Node& Prepend(const Node& section, Node node);
  // Puts `node` right after `sibling`, in the same block and indented as it;
  // `comment` as for Append ("" for none). Throws std::invalid_argument when
  // `sibling` is not in this file.
  Node& InsertAfter(const Node& sibling, Node node,
                    std::string_view comment = {});
  // Gives `node` the arguments `values` (built as Word::FromValue builds
  // them, and throwing as it does); a replaced word keeps the blanks before
  // it. Throws std::invalid_argument when `node` is not in this file.
  void SetArgs(const Node& node, const std::vector<std::string>& values);
  // Takes `node` out with its line; comment lines before it stay. Throws
  // std::invalid_argument when it is not in this file.
  void Remove(const Node& node);

 private:
  // The block holding `node`'s siblings, and the node's position there.
  Block* ParentBlock(const Node& node, std::list<Node>::iterator* where);
  // Formats `node` (see Append) and puts it into `block` before `pos`;
  // `prev` is the node it follows (nullptr: none).
  Node& Place(Block* block, std::list<Node>::iterator pos, const Node* prev,
              Node node, const std::string& indent, const std::string& unit,
              std::string_view comment);

  std::string path_;
  std::string original_text_;
  Block root_;
};

}  // namespace certpilot::apache
