// Changing the configuration of a running Apache without ever leaving it
// broken: sys::UpdateLiveFiles (sys/live_update.h) with ApacheControl — back
// up every file (a sys::FileTransaction journal), write atomically,
// configtest, graceful reload. On any failure every touched file is restored
// byte for byte, the restored configuration reloaded (when Apache runs), and
// sys::LiveUpdateError says exactly what happened and what was restored. On
// success the journal becomes a backup under `archive_dir`.
#pragma once

#include <string>
#include <vector>

#include "apache/runtime/control.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "sys/live_update.h"

namespace certpilot::apache {

// Brings `files` to their states (nothing happens, and Apache is not
// touched, when they are all in them already). REQUIRES: no unfinished
// journal in `journal_dir` (recover first: recovery.h). Throws
// sys::LiveUpdateError.
inline sys::LiveUpdateOutcome UpdateLiveConfig(
    sys::Filesystem& fs, ApacheControl& apache, const std::string& journal_dir,
    const std::vector<sys::FileState>& files, const std::string& archive_dir) {
  return sys::UpdateLiveFiles(fs, apache, journal_dir, files, archive_dir);
}

}  // namespace certpilot::apache
