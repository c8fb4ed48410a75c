// Changing the configuration of a running nginx without ever leaving it
// broken: sys::UpdateLiveFiles (sys/live_update.h) with NginxControl — back
// up every file (a sys::FileTransaction journal), write atomically,
// `nginx -t`, reload. On any failure every touched file is restored byte for
// byte, the restored configuration reloaded (when nginx runs), and
// ConfigUpdateError says exactly what happened and what was restored. On
// success the journal becomes a backup under `archive_dir`.
#pragma once

#include <string>
#include <vector>

#include "nginx/runtime/control.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "sys/live_update.h"

namespace certpilot::nginx {

using UpdateOutcome = sys::LiveUpdateOutcome;
using ConfigUpdateError = sys::LiveUpdateError;

// Brings `files` to their states (nothing happens, and nginx is not touched,
// when they are all in them already). REQUIRES: no unfinished journal in
// `journal_dir` (recover first). Throws ConfigUpdateError.
inline UpdateOutcome UpdateLiveConfig(sys::Filesystem& fs, NginxControl& nginx,
                                      const std::string& journal_dir,
                                      const std::vector<sys::FileState>& files,
                                      const std::string& archive_dir) {
  return sys::UpdateLiveFiles(fs, nginx, journal_dir, files, archive_dir);
}

}  // namespace certpilot::nginx
