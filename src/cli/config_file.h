// certbot's cli.ini: default options, one long option name per line. The
// syntax is ConfigArgParse's DefaultConfigFileParser, which certbot uses:
//
//   # a comment            ; also a comment
//   [section]              (ignored, like a comment; so is a line of ---)
//   email = admin@example.com    (also "email: ...", "email ...")
//   --email = admin@example.com  (a leading -- is allowed)
//   agree-tos              (a bare key: a flag, "true")
//   agree-tos = false      (true/yes/1, false/no/0, any case)
//   domains = [a.example, b.example]   (a list: the option repeated)
//   server = "https://x/dir" # comment (quotes around the whole value and
//                                       a comment after a blank go)
//
// Blanks around keys and values are ignored; a "#" or ";" starts a comment
// only at the start of a line or after a blank (so https://x/#y keeps its
// "#"); a value may be quoted with ' or " to keep " #" inside it. A key
// given twice: the later line wins. `key =` sets an empty value.
//
// ParseConfigFile is a pure function (fuzzed by tests/fuzz/cli_ini_fuzz.cc);
// what the keys mean is config_args.h's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::cli {

struct ConfigEntry {
  std::string source;  // "FILE:LINE", for messages
  std::string key;     // without a leading "--"
  bool bare = false;   // a key alone: a flag that is on
  // One value, or the items of a [list] (none for []); empty when bare.
  std::vector<std::string> values;
};

// The settings in `text`, in file order (a repeated key once, where it was
// last given). `file` names the file in sources and messages. Throws
// UsageError "FILE:LINE: cannot parse \"...\"" for a line that is none of
// the forms above (e.g. "= value", "key#x").
std::vector<ConfigEntry> ParseConfigFile(std::string_view text,
                                         const std::string& file);

// Reads `path`. nullopt if there is no such file (ENOENT, ENOTDIR). A file
// that cannot be read is never skipped (settings silently dropped could send
// certpilot to the wrong CA): UsageError (exit 2) for one that is too big or a
// directory, Error (exit 1) naming the file and the cause when reading fails
// (e.g. permission denied, an I/O error).
std::optional<std::string> ReadConfigFile(const std::string& path);

}  // namespace certpilot::cli
