#include "storage/layout.h"

#include "sys/filesystem.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::storage {

using sys::JoinPath;

std::string Layout::live_root() const { return JoinPath(config_dir, "live"); }
std::string Layout::archive_root() const {
  return JoinPath(config_dir, "archive");
}
std::string Layout::renewal_root() const {
  return JoinPath(config_dir, "renewal");
}
std::string Layout::accounts_root() const {
  return JoinPath(config_dir, "accounts");
}
std::string Layout::renewal_hooks_dir() const {
  return JoinPath(config_dir, "renewal-hooks");
}
std::string Layout::live_dir(std::string_view name) const {
  return JoinPath(live_root(), name);
}
std::string Layout::archive_dir(std::string_view name) const {
  return JoinPath(archive_root(), name);
}
std::string Layout::renewal_conf(std::string_view name) const {
  return JoinPath(renewal_root(), std::string(name) + ".conf");
}
std::string Layout::accounts_dir(std::string_view server_url) const {
  return JoinPath(accounts_root(), ServerPath(server_url));
}

std::string ServerPath(std::string_view server_url) {
  auto bad = [&](const char* why) {
    return UsageError("bad ACME server URL \"" + StripControl(server_url) +
                      "\": " + why);
  };
  size_t scheme_end = server_url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    throw bad("expected scheme://host/path");
  }
  std::string_view rest = server_url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  std::vector<std::string> segments = Split(rest, '/');
  if (segments.empty() || segments[0].empty()) throw bad("no host");
  std::vector<std::string> kept;
  for (const std::string& s : segments) {
    if (s.empty()) continue;
    if (s == "." || s == "..") throw bad("\".\" or \"..\" in the path");
    for (unsigned char c : s) {
      if (c < 0x20 || c == 0x7f) throw bad("control character");
    }
    kept.push_back(s);
  }
  return Join(kept, "/");
}

}  // namespace certpilot::storage
