#include "app/wiring/run_context.h"

#include "acme/json.h"
#include "sys/host.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateServerUrl(const std::string& url) {
  if (!acme::json::IsHttpsUrl(url))
    throw UsageError("--server must be an https:// ACME directory URL, not \"" +
                     StripControl(url) + "\"");
}

static storage::Layout MakeLayout(const CommonOptions& o) {
  storage::Layout l;
  l.config_dir = o.config_dir;
  l.work_dir = o.work_dir;
  l.logs_dir = o.logs_dir;
  return l;
}

RunContext::RunContext(const CommonOptions& options, Services& services,
                       bool take_lock)
    : services_(services),
      layout_(MakeLayout(options)),
      lineages_(services.fs, layout_),
      accounts_(services.fs, layout_, services.clock, sys::Hostname()) {
  ValidateServerUrl(options.ServerUrl());
  if (options.issuance_timeout_seconds <= 0)
    throw UsageError("--issuance-timeout must be a positive number of seconds");
  retry_policy_.issuance_deadline =
      std::chrono::seconds(options.issuance_timeout_seconds);
  if (take_lock) {
    services.fs.MakeDirs(layout_.config_dir, 0755);
    lock_ = std::make_unique<sys::DirLock>(layout_.config_dir);
  }
}

}  // namespace certpilot::app
