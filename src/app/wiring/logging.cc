#include "app/wiring/logging.h"

#include <memory>

#include "sys/log_file.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

std::string StartLogFile(const CommonOptions& options, sys::Filesystem& fs) {
  sys::LogFileOptions file;
  file.path = sys::JoinPath(options.logs_dir, kLogFileName);
  file.max_backups = options.max_log_backups;
  try {
    fs.MakeDirs(options.logs_dir, 0700);
    log::SetFileSink(std::make_unique<sys::RotatingLogFile>(file),
                     log::Level::kDebug);
  } catch (const sys::SysError& e) {
    // The one failure a run tolerates: no log file (see the header).
    log::Warning(std::string("no log file: ") + StripControl(e.what()) +
                 "; pass --logs-dir to log elsewhere");
    return "";
  }
  return file.path;
}

}  // namespace certpilot::app
