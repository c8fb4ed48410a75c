// What every use case that touches the config dir needs: the layout, the
// lock, and the stores. Constructing it validates the server URL, creates
// the config dir if needed and takes the config-dir lock (a second run gets
// "another certpilot is already running ..." and exit code 1).
#pragma once

#include <memory>

#include "acme/retry_policy.h"
#include "app/types/options.h"
#include "app/wiring/services.h"
#include "storage/account_store.h"
#include "storage/layout.h"
#include "storage/lineage_store.h"
#include "sys/dir_lock.h"

namespace certpilot::app {

class RunContext {
 public:
  // `take_lock` false: read-only commands (certificates) run beside a renew.
  RunContext(const CommonOptions& options, Services& services,
             bool take_lock = true);

  const storage::Layout& layout() const { return layout_; }
  storage::LineageStore& lineages() { return lineages_; }
  storage::AccountStore& accounts() { return accounts_; }
  sys::Filesystem& fs() { return services_.fs; }
  Clock& clock() { return services_.clock; }
  // How long orders may take (--issuance-timeout), for issuance::Obtain.
  const acme::RetryPolicy& retry_policy() const { return retry_policy_; }

 private:
  Services& services_;
  storage::Layout layout_;
  std::unique_ptr<sys::DirLock> lock_;
  storage::LineageStore lineages_;
  storage::AccountStore accounts_;
  acme::RetryPolicy retry_policy_;
};

// Throws UsageError unless `url` is an https URL (RFC 8555 §6.1).
void ValidateServerUrl(const std::string& url);

}  // namespace certpilot::app
