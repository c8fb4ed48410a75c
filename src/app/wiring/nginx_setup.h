// What the use cases that work with nginx share: checking the --nginx-*
// options, the nginx a run controls, certpilot's nginx state under
// WORK/nginx (nginx/recovery.h), and recovering interrupted runs.
#pragma once

#include <string>
#include <vector>

#include "app/types/options.h"
#include "nginx/runtime/control.h"
#include "nginx/runtime/recovery.h"
#include "storage/layout.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"
#include "util/clock.h"

namespace certpilot::app {

// Throws UsageError for an empty server root or nginx program.
void ValidateNginxOptions(const NginxOptions& o);

// SERVER_ROOT/nginx.conf
std::string NginxConfPath(const NginxOptions& o);

// WORK/nginx
nginx::StatePaths NginxState(const storage::Layout& layout);

// Reloads are awaited (nginx/control.h: no old worker answers afterwards)
// through `fs` (/proc) and `clock`.
nginx::NginxControl MakeNginxControl(sys::ProcessRunner& runner,
                                     const NginxOptions& o, sys::Filesystem& fs,
                                     Clock& clock);

// Throws UsageError when SERVER_ROOT/nginx.conf does not exist (the usual
// mistake: nginx lives elsewhere; say which option fixes it).
void RequireNginxConf(sys::Filesystem& fs, const NginxOptions& o);

// Undoes what interrupted runs left in the nginx configuration, logging
// what it did (nginx/recovery.h). Throws Error for an unreadable journal.
void RecoverNginxState(sys::Filesystem& fs, nginx::NginxControl& nginx,
                       const storage::Layout& layout);

// After `renew`: reloads, once each, every nginx that serves a renewed
// lineage (`installer = nginx`), so it picks up the new files. Logs what it
// did; returns how many reloads failed.
int ReloadNginxAfterRenewal(sys::ProcessRunner& runner, sys::Filesystem& fs,
                            Clock& clock,
                            const std::vector<NginxOptions>& renewed);

}  // namespace certpilot::app
