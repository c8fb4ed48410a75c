// The words of an Apache configuration line, and ${VAR} substitution, as
// httpd reads them (server/util.c: ap_getword_conf, ap_resolve_env).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::apache {

// One word of a logical line: the bytes [begin, end) and its value.
struct WordSpan {
  size_t begin = 0;
  size_t end = 0;
  std::string value;
};

// Splits `line` as ap_getword_conf does, word after word: blanks separate
// words; a word starting with '"' or '\'' runs to the matching unescaped
// quote (or to the end of the line when there is none) and may be followed
// at once by the next word; "\\" reads as '\' everywhere and a backslash
// before the quote character as that quote inside quotes.
std::vector<WordSpan> SplitWords(std::string_view line);

// True for the blanks apr_isspace accepts (space, \t, \n, \v, \f, \r).
bool IsBlank(char c);

// `line` with every "${NAME}" replaced by lookup(NAME); a name lookup()
// does not know stays as written and is appended to `undefined` (when not
// null). Apache substitutes on the whole line before splitting it into
// words, so a value holding blanks becomes several words.
std::string ResolveVariables(
    std::string_view line,
    const std::function<std::optional<std::string>(const std::string&)>& lookup,
    std::vector<std::string>* undefined);

}  // namespace certpilot::apache
