#include "app/wiring/run_context.h"

#include <algorithm>

#include "acme/json.h"
#include "sys/filesystem.h"
#include "sys/host.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

// CONFIG/.certpilot.locks/: one lock file per lineage, and ".accounts",
// ".nginx", ".apache" (sys/file_lock.h).
constexpr char kLockDir[] = ".certpilot.locks";

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
                       TreeLock tree_lock)
    : services_(services),
      layout_(MakeLayout(options)),
      lock_wait_(std::chrono::seconds(options.lock_wait_seconds)),
      port_wait_(std::chrono::seconds(std::max(
          options.lock_wait_seconds, options.issuance_timeout_seconds))),
      lineages_(services.fs, layout_),
      accounts_(services.fs, layout_, services.clock, sys::Hostname()),
      ca_bundle_(CaBundle(options)) {
  ValidateServerUrl(options.ServerUrl());
  if (options.issuance_timeout_seconds <= 0)
    throw UsageError("--issuance-timeout must be a positive number of seconds");
  retry_policy_.issuance_deadline =
      std::chrono::seconds(options.issuance_timeout_seconds);
  if (options.lock_wait_seconds < 0)
    throw UsageError("--lock-wait must be a number of seconds, 0 or more");
  if (tree_lock != TreeLock::kNone) {
    services.fs.MakeDirs(layout_.config_dir, 0755);
    tree_lock_ = std::make_unique<sys::FileLock>(
        sys::JoinPath(layout_.config_dir, ".certpilot.lock"),
        tree_lock == TreeLock::kExclusive ? sys::LockMode::kExclusive
                                          : sys::LockMode::kShared,
        lock_wait_, "another certpilot is already running", Advice());
  }
}

// Said when a lock is busy and we did not wait for it.
std::string RunContext::Advice() const {
  return lock_wait_.count() == 0
             ? "; pass --lock-wait SECONDS to wait for it"
             : "; waited " + std::to_string(lock_wait_.count() / 1000) + " s";
}

std::string RunContext::LockPath(const std::string& entry) {
  const std::string dir = sys::JoinPath(layout_.config_dir, kLockDir);
  fs().MakeDirs(dir, 0700);
  return sys::JoinPath(dir, entry);
}

sys::FileLock RunContext::LockLineage(const std::string& name) {
  storage::LineageStore::ValidateName(name);
  // Lineage names never start with ".", so they cannot meet the shared
  // resources' entries below.
  return sys::FileLock(
      LockPath(name), sys::LockMode::kExclusive, lock_wait_,
      "another certpilot is working on the certificate " + name, Advice());
}

sys::FileLock RunContext::Lock(SharedResource what) {
  const char* file = ".accounts";
  const char* holds = "the accounts";
  if (what == SharedResource::kNginx) {
    file = ".nginx";
    holds = "the nginx configuration";
  } else if (what == SharedResource::kApache) {
    file = ".apache";
    holds = "the Apache configuration";
  }
  return sys::FileLock(LockPath(file), sys::LockMode::kExclusive, lock_wait_,
                       std::string("another certpilot is changing ") + holds,
                       Advice());
}

sys::FileLock RunContext::LockPort(int port) {
  const std::string n = std::to_string(port);
  return sys::FileLock(LockPath(".port-" + n), sys::LockMode::kExclusive,
                       port_wait_,
                       "another certpilot is answering challenges on port " + n,
                       "; waited " + std::to_string(port_wait_.count() / 1000) +
                           " s (--issuance-timeout, --lock-wait)");
}

}  // namespace certpilot::app
