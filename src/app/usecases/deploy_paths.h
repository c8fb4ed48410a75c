// Paths the installers (nginx, Apache) share.
#pragma once

#include <string>

#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::app {

// `path` made absolute and normalised, without a trailing '/'. Web servers
// resolve relative paths against their own roots, not our working
// directory: everything we write into their configuration is absolute.
std::string Absolute(const std::string& path);

// BACKUPS/<time>-install (or -enhance), not yet existing: where a finished
// installer transaction keeps the files as they were.
std::string ArchiveDir(sys::Filesystem& fs, const std::string& backups,
                       TimePoint now, bool install);

}  // namespace certpilot::app
