// What every use case that touches the config dir needs: the layout, the
// locks, and the stores. Constructing it validates the server URL, creates
// the config dir if needed and takes the tree lock (sys/file_lock.h): shared
// for runs that then lock each lineage they change (LockLineage), exclusive
// for one that rewrites the whole tree. Locks wait up to --lock-wait; a busy
// one is a sys::LockBusyError ("another certpilot ...", exit code 1).
#pragma once

#include <chrono>
#include <memory>

#include "acme/retry_policy.h"
#include "app/types/options.h"
#include "app/wiring/services.h"
#include "storage/account_store.h"
#include "storage/layout.h"
#include "storage/lineage_store.h"
#include "sys/file_lock.h"

namespace certpilot::app {

// How a run holds CONFIG/.certpilot.lock.
enum class TreeLock {
  kNone,       // read-only commands (certificates) run beside anything
  kShared,     // works lineage by lineage, locking each (the usual)
  kExclusive,  // rewrites the tree as a whole (import-certbot)
};

// What lineages share, each with a short lock of its own.
enum class SharedResource {
  kAccounts,  // finding or registering the account, account commands
  kNginx,     // the nginx configuration and its journal (installer, solver)
  kApache,    // the Apache configuration and its journals (installer, solver)
};

class RunContext {
 public:
  RunContext(const CommonOptions& options, Services& services,
             TreeLock tree_lock = TreeLock::kShared);

  // Locks lineage `name` (valid per LineageStore::ValidateName) for as long
  // as the result lives, waiting up to --lock-wait. Throws
  // sys::LockBusyError naming the holder when it stays busy.
  sys::FileLock LockLineage(const std::string& name);
  // The same for a shared resource.
  sys::FileLock Lock(SharedResource what);
  // The lock of TCP port `port` for a standalone responder. Waits for a
  // run that holds it (its renewals end, it lets go) up to --issuance-timeout
  // or --lock-wait, whichever is longer: without it, listening would fail.
  sys::FileLock LockPort(int port);

  const storage::Layout& layout() const { return layout_; }
  storage::LineageStore& lineages() { return lineages_; }
  storage::AccountStore& accounts() { return accounts_; }
  sys::Filesystem& fs() { return services_.fs; }
  Clock& clock() { return services_.clock; }
  // How long orders may take (--issuance-timeout), for issuance::Obtain.
  const acme::RetryPolicy& retry_policy() const { return retry_policy_; }
  // The run's trust store (CaBundle(options)).
  const std::string& ca_bundle() const { return ca_bundle_; }

 private:
  std::string Advice() const;
  std::string LockPath(const std::string& entry);

  Services& services_;
  storage::Layout layout_;
  std::chrono::milliseconds lock_wait_;
  std::chrono::milliseconds port_wait_;
  std::unique_ptr<sys::FileLock> tree_lock_;
  storage::LineageStore lineages_;
  storage::AccountStore accounts_;
  acme::RetryPolicy retry_policy_;
  std::string ca_bundle_;
};

// Throws UsageError unless `url` is an https URL (RFC 8555 §6.1).
void ValidateServerUrl(const std::string& url);

}  // namespace certpilot::app
