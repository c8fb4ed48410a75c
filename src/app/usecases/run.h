// `run --nginx` / `run --apache`: obtain a certificate through the web
// server (certonly with its authenticator), then install it into the same
// server (install), like certbot's default command.
#pragma once

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Every option of both halves is checked before anything happens
// (UsageError). A certificate that is not due yet is kept and installed.
// Returns 1 when certonly reported hook failures, else 0; throws Error when
// either half fails (a certificate obtained before an install failure stays
// saved; the server's configuration is then as it was).
int Run(const RunOptions& o, Services& services);

}  // namespace certpilot::app
