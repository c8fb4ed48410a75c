#include "apache/config/parser.h"

#include <strings.h>

#include <utility>
#include <vector>

#include "apache/config/parse_error.h"
#include "apache/config/words.h"

namespace certpilot::apache {
namespace {

// One logical line: physical lines joined at "\<newline>" (util.c
// cfg_getline_core: a backslash right before [\r]\n, itself not preceded by
// a backslash, continues the line; both go).
struct LogicalLine {
  size_t begin = 0;  // physical offset of its first byte
  size_t end = 0;    // physical offset after its newline
  int line = 0;      // its last physical line, as httpd reports it
  std::string text;  // what Apache reads, without the final newline
  // phys[i]: physical offset of text[i].
  std::vector<size_t> phys;
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& path)
      : text_(text), config_(path, std::string(text)) {}

  Config Run() {
    stack_.push_back(Open{&config_.root(), nullptr});
    while (pos_ < text_.size()) ParseLine(NextLine());
    if (stack_.size() > 1) {
      const Node* open = stack_.back().node;
      throw ParseError(config_.path(), open->line(),
                       "<" + open->name() + "> was not closed");
    }
    config_.root().closing() = std::move(pending_);
    return std::move(config_);
  }

 private:
  struct Open {
    Block* block;
    Node* node;
  };

  LogicalLine NextLine() {
    LogicalLine l;
    l.begin = pos_;
    while (true) {
      // httpd counts a continued line as its last physical one.
      l.line = line_;
      const size_t nl = text_.find('\n', pos_);
      const size_t content_end =
          nl == std::string_view::npos ? text_.size() : nl;
      size_t ce = content_end;
      if (nl != std::string_view::npos && ce > pos_ && text_[ce - 1] == '\r') {
        --ce;
      }
      bool continued = false;
      if (nl != std::string_view::npos && ce > pos_ && text_[ce - 1] == '\\') {
        const bool escaped = ce - 1 > pos_
                                 ? text_[ce - 2] == '\\'
                                 : !l.text.empty() && l.text.back() == '\\';
        continued = !escaped;
      }
      const size_t take_end = continued ? ce - 1 : content_end;
      for (size_t i = pos_; i < take_end; ++i) {
        l.text += text_[i];
        l.phys.push_back(i);
      }
      if (nl == std::string_view::npos) {
        pos_ = text_.size();
        break;
      }
      pos_ = nl + 1;
      ++line_;
      if (!continued) break;
    }
    l.end = pos_;
    return l;
  }

  std::string Phys(size_t from, size_t to) const {
    return std::string(text_.substr(from, to - from));
  }

  // The physical offset just after logical character i (i < text.size()).
  static size_t After(const LogicalLine& l, size_t i) { return l.phys[i] + 1; }

  void Fail(const LogicalLine& l, const std::string& reason) const {
    throw ParseError(config_.path(), l.line, reason);
  }

  void ParseLine(const LogicalLine& l) {
    size_t f = 0;
    while (f < l.text.size() && IsBlank(l.text[f])) ++f;
    if (f == l.text.size() || l.text[f] == '#') {
      pending_ += Phys(l.begin, l.end);
      return;
    }
    size_t last = l.text.size() - 1;
    while (IsBlank(l.text[last])) --last;
    std::string leading = std::move(pending_);
    pending_.clear();
    leading += Phys(l.begin, l.phys[f]);
    if (l.text[f] == '<' && f + 1 < l.text.size() && l.text[f + 1] == '/') {
      Close(l, f, last, std::move(leading));
    } else if (l.text[f] == '<') {
      OpenSection(l, f, std::move(leading));
    } else {
      std::vector<WordSpan> words = SplitWords(l.text);
      Node node(
          Node::Kind::kDirective, std::move(leading),
          Word("", Phys(l.phys[f], After(l, words[0].end - 1)), words[0].value),
          l.line);
      AddWords(l, words, 1, &node);
      node.set_tail(Phys(After(l, words.back().end - 1), l.end));
      stack_.back().block->children().push_back(std::move(node));
    }
  }

  // Adds words[from…] as arguments, each with the bytes since the last one.
  void AddWords(const LogicalLine& l, const std::vector<WordSpan>& words,
                size_t from, Node* node) const {
    for (size_t i = from; i < words.size(); ++i) {
      const size_t prev_end = After(l, words[i - 1].end - 1);
      const size_t begin = l.phys[words[i].begin];
      node->AddArg(Word(Phys(prev_end, begin),
                        Phys(begin, After(l, words[i].end - 1)),
                        words[i].value));
    }
  }

  void OpenSection(const LogicalLine& l, size_t f, std::string leading) {
    const size_t gt = l.text.rfind('>');
    size_t name_end = f + 1;
    while (name_end < l.text.size() && !IsBlank(l.text[name_end]) &&
           l.text[name_end] != '>') {
      ++name_end;
    }
    const std::string name = l.text.substr(f + 1, name_end - f - 1);
    if (gt == std::string::npos || gt < name_end) {
      Fail(l, "<" + name + "> directive missing closing '>'");
    }
    if (name.empty()) Fail(l, "section without a name");
    if (static_cast<int>(stack_.size()) > kMaxNesting) {
      Fail(l, "sections nested too deeply");
    }
    // The name as a word of its own, then the words before the last '>'.
    std::vector<WordSpan> words{WordSpan{f, name_end, name}};
    for (WordSpan w : SplitWords(l.text.substr(name_end, gt - name_end))) {
      w.begin += name_end;
      w.end += name_end;
      words.push_back(std::move(w));
    }
    Node node(Node::Kind::kSection, std::move(leading),
              Word("", Phys(l.phys[f], After(l, name_end - 1)), name), l.line);
    AddWords(l, words, 1, &node);
    node.set_tail(Phys(After(l, words.back().end - 1), l.end));
    Block* parent = stack_.back().block;
    parent->children().push_back(std::move(node));
    Node* added = &parent->children().back();
    stack_.push_back(Open{&added->block(), added});
  }

  void Close(const LogicalLine& l, size_t f, size_t last, std::string leading) {
    const std::string seen = l.text.substr(f, last - f + 1);
    if (stack_.size() == 1) {
      Fail(l, seen + " without matching section");
    }
    Node* open = stack_.back().node;
    const std::string want = "</" + open->name() + ">";
    if (seen.size() != want.size() ||
        ::strncasecmp(seen.data(), want.data(), want.size()) != 0) {
      Fail(l, "expected " + want + " but saw " + seen);
    }
    open->block().closing() = std::move(leading);
    open->set_close(Phys(l.phys[f], After(l, last)),
                    Phys(After(l, last), l.end));
    stack_.pop_back();
  }

  std::string_view text_;
  Config config_;
  size_t pos_ = 0;
  int line_ = 1;
  std::string pending_;
  std::vector<Open> stack_;
};

}  // namespace

Config ParseConfig(std::string_view text, const std::string& path) {
  return Parser(text, path).Run();
}

}  // namespace certpilot::apache
