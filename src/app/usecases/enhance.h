// `enhance --cert-name NAME [--redirect] [--hsts] [--uir] [--staple-ocsp]`:
// add certbot's enhancements to the nginx server blocks of a lineage that
// `install`/`run` already put into nginx (certbot's `enhance`).
//
// The nginx is the one the lineage's renewal conf records, unless
// --nginx-server-root / --nginx-ctl name another. The edits are
// nginx/enhance_patch.h's and install_patch.h's redirect, applied like
// install's (install.h: journal, `nginx -t`, reload; any failure restores
// every touched file byte for byte). Enhancing again changes nothing and
// says so.
#pragma once

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Throws UsageError before touching anything for bad options, no
// enhancement asked for, or a lineage not installed in nginx; Error
// (nginx::ConfigUpdateError, nginx::NoServerBlockError, ...) when nothing
// was changed. Returns 0.
int Enhance(const EnhanceOptions& o, Services& services);

}  // namespace certpilot::app
