// Loads an Apache httpd configuration the way httpd reads it at start-up:
// the main file and, as it goes, every file an Include names — each file
// kept as its own lossless tree (tree.h) — evaluating what httpd evaluates
// while reading (server/config.c, core.c; all EXEC_ON_READ):
//  - Define NAME [VALUE] / UnDefine NAME, and ${NAME} on every line (Define'd
//    values first, then LoadOptions::environment; an unknown name stays as
//    written and is reported in ConfigGraph::warnings()); see words.h;
//  - <IfDefine [!]NAME> against -D names (LoadOptions::defines) and Define;
//  - <IfModule [!]MODULE> against the built-in modules and every LoadModule
//    read so far; MODULE is a source name ("mod_ssl.c") or an identifier
//    ("ssl_module"), see modules.h;
//  - <IfFile [!]PATH> (relative to the server root) and <IfVersion [op] V>;
//  - ServerRoot, which later relative Include paths are relative to;
//  - Include / IncludeOptional PATH (relative to the server root): a
//    wildcard ('*', '?', '[' in any component; never matching a leading
//    '.') takes the matches in bytewise order; a directory takes every file
//    below it, recursively, in bytewise order. Include fails when a wildcard
//    matches nothing or a plain path is missing; IncludeOptional does not.
// Content of a false <If…> is kept in its file's tree but not evaluated (a
// LoadModule or Include there does nothing), as httpd skips it. Every other
// section (<VirtualHost>, <Directory>, <If>, <IfDirective>, …) is active,
// its content walked in place.
//
// A file included several times is parsed once and walked each time.
// Throws ParseError for a syntax error in any file (parser.h), a failing
// Include, an Include without exactly one argument, an include cycle or
// includes nested more than kMaxIncludeDepth deep; sys::SysError when a
// file cannot be read. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apache/config/tree.h"
#include "sys/filesystem.h"

namespace certpilot::apache {

inline constexpr int kMaxIncludeDepth = 128;  // httpd's AP_MAX_INCLUDE_DEPTH

struct LoadOptions {
  // httpd -d: the server root (Debian: /etc/apache2).
  std::string server_root = "/etc/apache2";
  // httpd -f: the main file, relative to server_root unless absolute.
  std::string config_file = "apache2.conf";
  // httpd -D NAME…
  std::vector<std::string> defines;
  // The environment ${VAR} falls back to (Debian: /etc/apache2/envvars,
  // see envvars.h).
  std::map<std::string, std::string> environment;
  // Modules compiled into httpd (`apache2 -l`), by source name.
  std::vector<std::string> builtin_modules = {
      "core.c",           "mod_so.c",    "mod_watchdog.c", "http_core.c",
      "mod_log_config.c", "mod_logio.c", "mod_version.c",  "mod_unixd.c"};
  // What <IfVersion> compares with.
  std::string version = "2.4.62";
};

// One directive or section httpd acts on, in the order it reads them.
struct ActiveNode {
  Config* file = nullptr;
  const Node* node = nullptr;
  // The arguments after ${VAR} substitution.
  std::vector<std::string> args;
  // The enclosing <VirtualHost> (its ActiveNode index), -1 outside one.
  int virtual_host = -1;
};

class ConfigGraph {
 public:
  static ConfigGraph Load(sys::Filesystem& fs, const LoadOptions& options);

  // Every file, the main one first, then in the order httpd first reads
  // them; files only in false <If…> sections are not loaded.
  std::vector<Config*> files();
  // The file loaded from `path` (normalised), or nullptr.
  Config* FindFile(std::string_view path);
  // Directives and sections (not the <If…> ones, nor Include) in reading
  // order, includes expanded.
  const std::vector<ActiveNode>& active() const { return active_; }
  // The server root after the last ServerRoot.
  const std::string& server_root() const { return server_root_; }
  // Define'd names (and -D ones) and values at the end of reading.
  const std::map<std::string, std::string>& defines() const { return defines_; }
  // "FILE:LINE: Config variable ${NAME} is not defined", as httpd warns.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  friend class Loader;
  ConfigGraph() = default;

  std::vector<std::unique_ptr<Config>> files_;
  std::map<std::string, Config*, std::less<>> by_path_;
  std::vector<ActiveNode> active_;
  std::string server_root_;
  std::map<std::string, std::string> defines_;
  std::vector<std::string> warnings_;
};

}  // namespace certpilot::apache
