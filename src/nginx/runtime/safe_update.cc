#include "nginx/runtime/safe_update.h"

#include "util/strings.h"

namespace certpilot::nginx {
namespace {

// Restores, reloads what was restored, and throws the whole story.
[[noreturn]] void Undo(sys::FileTransaction& tx, NginxControl& nginx,
                       const std::string& what, bool reloaded_bad_config) {
  sys::RestoreReport report = tx.Rollback();
  std::string story =
      what + "\n" +
      (report.ok() && !report.restored.empty()
           ? "Restored byte for byte: " + Join(report.restored, ", ")
           : report.Summary()) +
      ".";
  try {
    if (nginx.ReloadIfRunning()) {
      story += " nginx was reloaded with the restored configuration.";
    } else {
      story += " nginx is not running; nothing was reloaded.";
    }
  } catch (const NginxError& e) {
    story += reloaded_bad_config
                 ? " Reloading the restored configuration failed too: " +
                       std::string(e.what())
                 : " nginx still runs its previous configuration (reloading "
                   "the restored files "
                   "failed: " +
                       std::string(e.what()) + ")";
  }
  throw ConfigUpdateError(story, std::move(report));
}

}  // namespace

UpdateOutcome UpdateLiveConfig(sys::Filesystem& fs, NginxControl& nginx,
                               const std::string& journal_dir,
                               const std::vector<sys::FileState>& files,
                               const std::string& archive_dir) {
  sys::FileTransaction tx(fs, journal_dir);
  try {
    tx.Write(files);
  } catch (const Error& e) {
    Undo(tx, nginx,
         std::string("Writing the nginx configuration failed: ") + e.what(),
         false);
  }
  UpdateOutcome outcome;
  outcome.written = tx.touched();
  if (tx.empty()) return outcome;
  try {
    nginx.Test();
  } catch (const NginxError& e) {
    Undo(tx, nginx, e.what(), false);
  }
  try {
    outcome.started = nginx.Reload() == NginxControl::Reloaded::kStarted;
  } catch (const NginxError& e) {
    Undo(tx, nginx, e.what(), true);
  }
  tx.Commit(archive_dir);
  return outcome;
}

}  // namespace certpilot::nginx
