// renewal/NAME.conf: certbot's ConfigObj INI, parsed and written back
// losslessly — comments, blank lines, order, spacing, quoting and keys
// certpilot does not know are kept byte for byte; only lines that Set or
// Remove touch change. Certbot can keep reading what certpilot writes, and
// the reverse.
//
// The syntax accepted is ConfigObj 5's (list_values=True), on one line each:
//   # comment                 blank lines
//   [section]  [[subsection]] (depth = number of brackets; optional # comment)
//   key = value               key = "quoted, value"    key = 'say "hi"'
//   key = a, b, c             key = single,            key = ,   (empty list)
//   key = '''both ' and " '''  key = value  # inline comment
// Values are unquoted as ConfigObj does it (no escapes: the text between the
// quotes is the value). Multi-line triple-quoted values are not supported.
//
// Sections are addressed by path: "" is the top level, "renewalparams", and
// "renewalparams/webroot_map" for [[webroot_map]] inside [renewalparams].
//
// Value semantics (bools as True/False, "30 days", ...) belong to the
// caller; this is syntax only. Not thread-safe; a value type.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/layout.h"
#include "storage/storage_error.h"
#include "sys/filesystem.h"

namespace certpilot::storage {

class RenewalConf {
 public:
  // Throws StorageError "<path_for_errors>:<line>: <reason>" on a line that
  // is neither blank, comment, section header nor key = value; on bad
  // quoting; on a duplicate key or section; on a section nested more than
  // one level below its parent; on a line longer than 8192 bytes.
  static RenewalConf Parse(std::string_view text,
                           const std::string& path_for_errors);
  // ReadFile + Parse; I/O failures become StorageError too.
  static RenewalConf Load(sys::Filesystem& fs, const std::string& path);

  // Exactly the parsed text when nothing was changed.
  std::string Dump() const;
  // Dump() via WriteFileAtomic, mode 0644 (as certbot's).
  void Save(sys::Filesystem& fs, const std::string& path) const;

  // The value of a single-valued key; nullopt if the section or key is
  // absent. Throws StorageError (naming file and line) if the value is a
  // list.
  std::optional<std::string> Get(std::string_view section,
                                 std::string_view key) const;
  // A list value's items; a single value reads as a one-item list (certbot
  // accepts both); nullopt if absent.
  std::optional<std::vector<std::string>> GetList(std::string_view section,
                                                  std::string_view key) const;

  // Replaces the value in place (indentation, key spelling and an inline
  // comment are kept) or adds "key = value" after the section's last key,
  // creating missing sections at the end of their parent. Quotes as
  // ConfigObj does (only when needed). Throws UsageError for a value or key
  // holding a line break or NUL, for one that no quoting can represent, or
  // when `key` names a subsection.
  void Set(std::string_view section, std::string_view key,
           std::string_view value);
  // As Set, written as ConfigObj writes lists: "a, b", one item "a,", none
  // ",".
  void SetList(std::string_view section, std::string_view key,
               const std::vector<std::string>& values);
  // Removes the key's line; false if it was absent.
  bool Remove(std::string_view section, std::string_view key);

  // The section's keys in file order (subsections not included); empty if
  // the section does not exist.
  std::vector<std::string> Keys(std::string_view section) const;
  bool HasSection(std::string_view section) const;

 private:
  struct Line {
    enum class Kind { kBlank, kComment, kSection, kEntry };
    Kind kind = Kind::kBlank;
    std::string raw;  // as in the file, without "\n" (a "\r" stays)
    int section = 0;  // owning section; for kSection, the one it opens
    int number = 0;   // 1-based line number in the parsed text; 0 if added
    // kEntry only:
    std::string indent, raw_key, key, comment;
    bool is_list = false;
    std::vector<std::string> items;  // one item for a single value
  };
  struct Section {
    std::string path;  // "" for the top level
    std::string name;
    int depth = 0;
    int parent = -1;
    int header = -1;  // index of its header line; -1 for the top level
  };

  RenewalConf() = default;
  int FindSection(std::string_view path) const;
  int FindEntry(int section, std::string_view key) const;
  int EnsureSection(std::string_view path);
  void InsertLine(size_t pos, Line line);
  void SetEncoded(std::string_view section, std::string_view key, bool is_list,
                  std::vector<std::string> items, const std::string& encoded);

  std::string path_;
  std::vector<Line> lines_;
  std::vector<Section> sections_;
  bool trailing_newline_ = false;
  bool crlf_ = false;  // new lines get "\r\n" when the file uses it
};

// A renewal configuration laid out as certbot writes a new one:
//   # <each line of first_comment>   (certbot: "renew_before_expiry = 30 days")
//   version = <version>
//   archive_dir = CONFIG/archive/NAME
//   cert = CONFIG/live/NAME/cert.pem   (then privkey, chain, fullchain)
//   <blank>
//   # Options used in the renewal process
//   [renewalparams]
// The caller then Sets the [renewalparams] keys.
RenewalConf NewRenewalConf(const Layout& layout, const std::string& name,
                           const std::string& version,
                           const std::vector<std::string>& first_comment);

}  // namespace certpilot::storage
