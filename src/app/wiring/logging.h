// The log file of a run: LOGS/certpilot.log (LOGS = --logs-dir), every
// message at debug level, secrets redacted (util/log.h), rotated at 1 MiB
// keeping --max-log-backups old files (sys/log_file.h).
#pragma once

#include <string>

#include "app/types/options.h"
#include "sys/filesystem.h"

namespace certpilot::app {

inline constexpr char kLogFileName[] = "certpilot.log";

// Creates LOGS if missing (mode 0700, as certbot makes its logs dir) and
// starts sending every log line to LOGS/certpilot.log. Returns its path.
// When that fails (not root with the default /var/log/certpilot, a full
// disk) it prints one warning saying why and returns "": the run goes on
// without a log file rather than fail over a side channel.
std::string StartLogFile(const CommonOptions& options, sys::Filesystem& fs);

}  // namespace certpilot::app
