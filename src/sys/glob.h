// Expands the paths of configuration includes (nginx's `include`, Apache's
// `Include`/`IncludeOptional`) as both servers do: with glob(3)-like
// matching when the path contains '*', '?' or '[', else as a plain path.
// Directories are listed through Filesystem so tests can fake them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sys/filesystem.h"

namespace certpilot::sys {

// True if `path` contains '*', '?' or '[' (nginx's and Apache's test for a
// glob).
bool HasGlobChars(std::string_view path);

// The existing paths matching `pattern`, sorted bytewise (glob(3) in the C
// locale). Any component may hold wildcards; they never match a leading '.'
// (FNM_PERIOD) and match within one component only. A pattern without
// wildcards yields itself if something exists there. A directory that cannot
// be listed propagates its SysError (glob(3) would skip it silently).
std::vector<std::string> ExpandGlob(Filesystem& fs, const std::string& pattern);

// "/a//b/./c" → "/a/b/c" (lexically; ".." is kept).
std::string NormalizePath(std::string_view path);

}  // namespace certpilot::sys
