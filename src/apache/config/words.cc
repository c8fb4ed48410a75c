#include "apache/config/words.h"

namespace certpilot::apache {
namespace {

// substring_conf: "\\" → '\' always, "\<quote>" → quote inside quotes.
std::string Unescape(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() &&
        (text[i + 1] == '\\' || (quote != 0 && text[i + 1] == quote))) {
      ++i;
    }
    out += text[i];
  }
  return out;
}

}  // namespace

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

std::vector<WordSpan> SplitWords(std::string_view line) {
  std::vector<WordSpan> words;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i >= line.size()) break;
    WordSpan w;
    w.begin = i;
    const char quote = line[i];
    if (quote == '"' || quote == '\'') {
      size_t j = i + 1;
      while (j < line.size() && line[j] != quote) {
        j += (line[j] == '\\' && j + 1 < line.size() &&
              (line[j + 1] == quote || line[j + 1] == '\\'))
                 ? 2
                 : 1;
      }
      w.value = Unescape(line.substr(i + 1, j - i - 1), quote);
      i = j < line.size() ? j + 1 : j;
    } else {
      size_t j = i;
      while (j < line.size() && !IsBlank(line[j])) ++j;
      w.value = Unescape(line.substr(i, j - i), 0);
      i = j;
    }
    w.end = i;
    words.push_back(std::move(w));
  }
  return words;
}

std::string ResolveVariables(
    std::string_view line,
    const std::function<std::optional<std::string>(const std::string&)>& lookup,
    std::vector<std::string>* undefined) {
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '$' && i + 1 < line.size() && line[i + 1] == '{') {
      const size_t close = line.find('}', i + 2);
      if (close != std::string_view::npos) {
        const std::string name(line.substr(i + 2, close - i - 2));
        if (std::optional<std::string> value = lookup(name)) {
          out += *value;
        } else {
          out += line.substr(i, close - i + 1);
          if (undefined != nullptr) undefined->push_back(name);
        }
        i = close + 1;
        continue;
      }
    }
    out += line[i++];
  }
  return out;
}

}  // namespace certpilot::apache
