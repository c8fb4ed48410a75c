// Loads an nginx configuration the way nginx reads it: the main file and,
// recursively, every file an `include` names, each kept as its own lossless
// tree so an edit changes only the file it touches.
//
// Include rules (nginx's ngx_conf_include):
//  - A relative path is relative to the server root (nginx's conf prefix,
//    the directory of nginx.conf, e.g. /etc/nginx).
//  - A path containing '*', '?' or '[' is a glob: files in bytewise order;
//    matching nothing is fine. A plain path that does not exist is an error.
//  - Includes may appear in any block (not inside *_by_lua_block code).
//  - A file included from several places is parsed once and shared.
//
// Throws ParseError (at the include directive) for a syntax error in any
// file, a missing plain include, an include naming a directory, an include
// without exactly one argument, an include cycle, or includes nested more
// than kMaxIncludeDepth deep; sys::SysError when a file cannot be read
// (including the main file). Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nginx/config/tree.h"
#include "sys/filesystem.h"
#include "sys/glob.h"

namespace certpilot::nginx {

inline constexpr int kMaxIncludeDepth = 64;

// A directive and the file holding it.
struct Located {
  Config* file = nullptr;
  Directive* directive = nullptr;
};

class ConfigGraph {
 public:
  // Reads `main_file` (relative to `server_root` unless absolute) and all it
  // includes through `fs`.
  static ConfigGraph Load(sys::Filesystem& fs, const std::string& server_root,
                          const std::string& main_file = "nginx.conf");

  const std::string& server_root() const { return server_root_; }
  Config& main() { return *files_.front(); }
  // Every file, main first, then in the order nginx first reads them.
  std::vector<Config*> files();
  // The file loaded from `path` (as resolved: server root joined, "." and
  // "//" removed), or nullptr.
  Config* FindFile(std::string_view path);
  // The files an include directive loaded, in nginx's order.
  std::vector<Config*> IncludedFiles(const Directive& include);
  // The file whose tree holds `d`, or nullptr.
  Config* FileOf(const Directive& d);
  // The children of `block` (which is in `file`) as nginx sees them: every
  // `include` replaced, recursively, by the top-level directives of the
  // files it loaded. The include directives themselves are left out.
  std::vector<Located> Expand(Config& file, Block& block);
  // Files whose Dump() differs from the text read.
  std::vector<Config*> ModifiedFiles();

 private:
  friend class IncludeLoader;
  ConfigGraph() = default;
  void ExpandInto(Config& file, Block& block, std::vector<Located>* out);

  std::string server_root_;
  std::vector<std::unique_ptr<Config>> files_;
  std::map<std::string, Config*, std::less<>> by_path_;
};

// "/a//b/./c" → "/a/b/c" (sys/glob.h).
using sys::NormalizePath;

}  // namespace certpilot::nginx
