#include "apache/config/envvars.h"

#include "util/strings.h"

namespace certpilot::apache {
namespace {

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_';
}

// Shell word expansion of an assignment's value: quotes removed, $NAME and
// ${NAME} expanded outside single quotes.
std::string Expand(std::string_view value,
                   const std::map<std::string, std::string>& vars) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
      continue;
    }
    if (c == quote) {
      quote = 0;
      continue;
    }
    if (c == '$' && quote != '\'' && i + 1 < value.size()) {
      size_t begin = i + 1;
      size_t end = begin;
      const bool braced = value[begin] == '{';
      if (braced) {
        end = value.find('}', begin);
        if (end == std::string_view::npos) end = value.size();
        ++begin;
      } else {
        while (end < value.size() && IsNameChar(value[end])) ++end;
      }
      if (end > begin || braced) {
        auto it = vars.find(std::string(value.substr(begin, end - begin)));
        if (it != vars.end()) out += it->second;
        i = braced ? end : end - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ReadEnvvars(
    std::string_view text, const std::map<std::string, std::string>& base) {
  std::map<std::string, std::string> vars = base;
  std::map<std::string, std::string> exported;
  for (const std::string& raw : Split(text, '\n')) {
    std::string_view line = raw;
    if (EndsWith(line, "\r")) line.remove_suffix(1);
    if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;
    const bool is_export = StartsWith(line, "export ");
    if (is_export) line = Trim(line.substr(7));
    size_t name_end = 0;
    while (name_end < line.size() && IsNameChar(line[name_end])) ++name_end;
    if (name_end == 0) continue;
    const std::string name(line.substr(0, name_end));
    if (name_end < line.size() && line[name_end] == '=') {
      std::string_view value = line.substr(name_end + 1);
      vars[name] = Expand(Trim(value), vars);
      if (is_export) exported[name] = vars[name];
    } else if (is_export && name_end == line.size()) {
      auto it = vars.find(name);
      if (it != vars.end()) exported[name] = it->second;
    }
  }
  return exported;
}

}  // namespace certpilot::apache
