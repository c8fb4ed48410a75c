// Changing the configuration of a running nginx without ever leaving it
// broken: back up every file (a sys::FileTransaction journal), write
// atomically, `nginx -t`, reload. On any failure every touched file is
// restored byte for byte, the restored configuration reloaded (when nginx
// runs), and ConfigUpdateError says exactly what happened and what was
// restored. On success the journal becomes a backup under `archive_dir`.
#pragma once

#include <string>
#include <vector>

#include "nginx/runtime/control.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::nginx {

struct UpdateOutcome {
  std::vector<std::string> written;  // resolved paths of the files changed
  bool started = false;              // nginx was not running and was started
};

class ConfigUpdateError : public Error {
 public:
  ConfigUpdateError(const std::string& message, sys::RestoreReport report)
      : Error(message), report_(std::move(report)) {}
  const sys::RestoreReport& report() const { return report_; }

 private:
  sys::RestoreReport report_;
};

// Brings `files` to their states (nothing happens, and nginx is not touched,
// when they are all in them already). REQUIRES: no unfinished journal in
// `journal_dir` (recover first). Throws ConfigUpdateError.
UpdateOutcome UpdateLiveConfig(sys::Filesystem& fs, NginxControl& nginx,
                               const std::string& journal_dir,
                               const std::vector<sys::FileState>& files,
                               const std::string& archive_dir);

}  // namespace certpilot::nginx
