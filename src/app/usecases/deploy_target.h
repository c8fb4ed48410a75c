// The lineage an installer (nginx, Apache) deploys: what install and
// enhance check before they touch a web server's configuration.
#pragma once

#include <string>

#include "app/wiring/lineage_info.h"
#include "app/wiring/run_context.h"
#include "sys/file_lock.h"

namespace certpilot::app {

// kInstall points the web server at the certificate; kEnhance applies only
// the redirect / HSTS / ... to a lineage already installed there.
enum class DeployKind { kInstall, kEnhance };

struct DeployTarget {
  sys::FileLock lock;  // the lineage's, held for the whole deployment
  LineageInfo info;
};

// Locks lineage `name` and reads it. UsageError when there is no such
// lineage, or (kEnhance) when its renewal conf's installer is not
// `installer` — naming the `install --FLAG` command that fixes it
// (`server` is the web server's name for messages: "nginx", "Apache").
// Error when the lineage's files are damaged.
DeployTarget OpenDeployTarget(RunContext& ctx, const std::string& name,
                              DeployKind what, const std::string& installer,
                              const std::string& server);

}  // namespace certpilot::app
