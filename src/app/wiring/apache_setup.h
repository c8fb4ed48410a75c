// What the use cases that work with Apache share: checking the --apache-*
// options, the Apache a run controls (apache/runtime/control.h), how its
// configuration is loaded (Debian's envvars, -D names), certpilot's state
// under WORK/apache (apache/runtime/recovery.h), recovering interrupted
// runs, and the reload after `renew`.
#pragma once

#include <string>
#include <vector>

#include "apache/config/loader.h"
#include "apache/runtime/control.h"
#include "apache/runtime/recovery.h"
#include "app/types/options.h"
#include "storage/layout.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"

namespace certpilot::app {

// Throws UsageError for an empty server root or ctl.
void ValidateApacheOptions(const ApacheOptions& o);

// SERVER_ROOT/apache2.conf (Debian), else SERVER_ROOT/httpd.conf when that
// exists. Throws UsageError when neither does (say which option fixes it).
std::string RequireApacheConf(sys::Filesystem& fs, const ApacheOptions& o);

apache::ApacheControl MakeApacheControl(sys::ProcessRunner& runner,
                                        sys::Filesystem& fs,
                                        const ApacheOptions& o);

// How httpd reads its configuration: the main file (RequireApacheConf) and
// SERVER_ROOT/envvars when present (Debian's ${APACHE_*}, which apache2ctl
// sources). No -D names: apache2ctl passes none of its own.
apache::LoadOptions ApacheLoadOptions(sys::Filesystem& fs,
                                      const ApacheOptions& o);

// WORK/apache
apache::StatePaths ApacheState(const storage::Layout& layout);

// Undoes what interrupted runs left in the Apache configuration
// (apache/runtime/recovery.h), and removes the links to certpilot's
// "-le-ssl.conf" twins that an interrupted install left pointing at
// nothing (httpd would refuse to start on them). Logs what it did. Throws
// Error for an unreadable journal.
void RecoverApacheState(sys::Filesystem& fs, apache::ApacheControl& apache,
                        const storage::Layout& layout, const ApacheOptions& o);

// After `renew`: gracefully reloads, once each, every Apache that serves a
// renewed lineage (`installer = apache`). Logs what it did; returns how many
// reloads failed.
int ReloadApacheAfterRenewal(sys::ProcessRunner& runner, sys::Filesystem& fs,
                             const std::vector<ApacheOptions>& renewed);

// The Apache configuration files under o.server_root that name `live_dir`
// (the installer points SSLCertificateFile into it); empty when there is no
// configuration (a warning when it cannot be read).
std::vector<std::string> ApacheUsers(sys::Filesystem& fs,
                                     const ApacheOptions& o,
                                     const std::string& live_dir);

}  // namespace certpilot::app
