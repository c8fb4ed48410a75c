#include "cli/config_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Characters that end a key (besides blanks).
bool EndsKey(char c) {
  return IsBlank(c) || c == ':' || c == '=' || c == ';' || c == '#';
}

// Where a comment starts: the first "#" or ";" right after a blank.
size_t CommentStart(std::string_view s) {
  for (size_t p = 1; p < s.size(); ++p)
    if ((s[p] == '#' || s[p] == ';') && IsBlank(s[p - 1])) return p;
  return std::string_view::npos;
}

std::string_view WithoutComment(std::string_view s) {
  return Trim(s.substr(0, CommentStart(s)));
}

// "'x'" or "\"x\"" → x; anything else as is.
std::string_view Unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') &&
      s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

// A value quoted as a whole, with nothing but a comment after the closing
// quote: its inside. nullopt when `text` is not such a value.
std::optional<std::string_view> QuotedValue(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty() || (t.front() != '"' && t.front() != '\'')) return std::nullopt;
  for (size_t close = t.find(t.front(), 1); close != std::string_view::npos;
       close = t.find(t.front(), close + 1)) {
    if (WithoutComment(t.substr(close + 1)).empty())
      return t.substr(1, close - 1);
  }
  return std::nullopt;
}

// The values of `text`, the part of the line after the separator.
std::vector<std::string> ParseValues(std::string_view text) {
  if (std::optional<std::string_view> quoted = QuotedValue(text))
    return {std::string(*quoted)};
  std::string_view value = WithoutComment(text);
  if (value.size() < 2 || value.front() != '[' || value.back() != ']')
    return {std::string(value)};
  std::vector<std::string> list;  // [a, b] or ["a", "b"]
  if (Trim(value.substr(1, value.size() - 2)).empty()) return list;
  for (const std::string& item : Split(value.substr(1, value.size() - 2), ','))
    list.emplace_back(Unquote(Trim(item)));
  return list;
}

UsageError Unparsable(const std::string& source, std::string_view line) {
  return UsageError(source + ": cannot parse \"" + StripControl(line) + "\"");
}

// One line: nullopt for a blank line, a comment or a section header.
std::optional<ConfigEntry> ParseLine(std::string_view raw,
                                     const std::string& source) {
  std::string_view line = Trim(raw);
  if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[' ||
      StartsWith(line, "---"))
    return std::nullopt;
  size_t key_end = 0;
  while (key_end < line.size() && !EndsKey(line[key_end])) ++key_end;
  std::string_view key = line.substr(0, key_end);
  if (StartsWith(key, "--")) key.remove_prefix(2);
  if (key.empty()) throw Unparsable(source, line);
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw Unparsable(source, line);

  ConfigEntry entry{source, std::string(key), false, {}};
  std::string_view rest = line.substr(key_end);
  if (WithoutComment(rest).empty() && (rest.empty() || IsBlank(rest[0]))) {
    entry.bare = true;  // "key" or "key # comment"
    return entry;
  }
  size_t sep = 0;
  while (sep < rest.size() && IsBlank(rest[sep])) ++sep;
  char next = sep < rest.size() ? rest[sep] : '#';
  if (next == ':' || next == '=') {
    entry.values = ParseValues(rest.substr(sep + 1));
  } else if (sep > 0 && next != '#' && next != ';') {
    entry.values = ParseValues(rest);  // "key value"
  } else {
    throw Unparsable(source, line);  // "key#x"
  }
  return entry;
}

}  // namespace

std::vector<ConfigEntry> ParseConfigFile(std::string_view text,
                                         const std::string& file) {
  std::vector<ConfigEntry> entries;
  std::vector<std::string> lines = Split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::optional<ConfigEntry> entry =
        ParseLine(lines[i], file + ":" + std::to_string(i + 1));
    if (!entry) continue;
    std::erase_if(entries,
                  [&](const ConfigEntry& e) { return e.key == entry->key; });
    entries.push_back(std::move(*entry));
  }
  return entries;
}

std::optional<std::string> ReadConfigFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) return std::nullopt;
  std::string text;
  int error = fd < 0 ? errno : 0;
  char buf[8192];
  while (fd >= 0 && error == 0) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    text.append(buf, size_t(n));
    if (text.size() > kMaxConfigBytes) error = EFBIG;
  }
  if (fd >= 0) ::close(fd);
  if (error == EFBIG)
    throw UsageError("the configuration file " + StripControl(path) +
                     " is larger than " + std::to_string(kMaxConfigBytes) +
                     " bytes");
  if (error == EISDIR)
    throw UsageError("the configuration file " + StripControl(path) +
                     " is a directory");
  if (error != 0)
    throw Error("cannot read the configuration file " + StripControl(path) +
                ": " + std::strerror(error));
  return text;
}

}  // namespace certpilot::cli
