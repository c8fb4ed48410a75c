// Expands the path of an nginx `include` the way nginx does: with glob(3)
// and no flags when the path contains '*', '?' or '[', else as a plain path.
// Directories are listed through sys::Filesystem so tests can fake them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sys/filesystem.h"

namespace certpilot::nginx {

// True if `path` contains '*', '?' or '[' (nginx's test for a glob).
bool HasGlobChars(std::string_view path);

// The existing paths matching `pattern`, sorted bytewise (glob(3) in the C
// locale). Any component may hold wildcards; they never match a leading '.'
// (FNM_PERIOD) and match within one component only. A pattern without
// wildcards yields itself if something exists there. A directory that cannot
// be listed propagates its sys::SysError (glob(3) would skip it silently).
std::vector<std::string> ExpandGlob(sys::Filesystem& fs,
                                    const std::string& pattern);

}  // namespace certpilot::nginx
