// What the use cases that work with Apache share: checking the --apache-*
// options, the Apache a run controls, how its configuration is read,
// certpilot's Apache state under WORK/apache (apache/runtime/recovery.h),
// and recovering interrupted runs.
#pragma once

#include <string>

#include "apache/config/loader.h"
#include "apache/runtime/control.h"
#include "apache/runtime/recovery.h"
#include "app/types/options.h"
#include "storage/layout.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"

namespace certpilot::app {

// Throws UsageError for an empty server root or ctl, or a relative
// challenge location or vhost root.
void ValidateApacheOptions(const ApacheOptions& o);

// WORK/apache
apache::StatePaths ApacheState(const storage::Layout& layout);

apache::ApacheControl MakeApacheControl(sys::ProcessRunner& runner,
                                        sys::Filesystem& fs,
                                        const ApacheOptions& o);

// How httpd reads SERVER_ROOT: its main file (apache2.conf, Debian's, else
// httpd.conf or conf/httpd.conf) and the variables of SERVER_ROOT/envvars
// (Debian's; apache2ctl sources it). Throws UsageError when there is no
// main file (the usual mistake: say which option fixes it).
apache::LoadOptions ApacheLoadOptions(sys::Filesystem& fs,
                                      const ApacheOptions& o);

// Undoes what interrupted runs left in the Apache configuration, logging
// what it did. Throws Error for an unreadable journal.
void RecoverApacheState(sys::Filesystem& fs, apache::ApacheControl& apache,
                        const storage::Layout& layout);

}  // namespace certpilot::app
