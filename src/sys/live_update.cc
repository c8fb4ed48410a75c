#include "sys/live_update.h"

#include "util/strings.h"

namespace certpilot::sys {

void UndoLiveUpdate(FileTransaction& tx, ServerControl& server,
                    const std::string& what, bool reloaded_bad_config) {
  RestoreReport report = tx.Rollback();
  const std::string name = server.ServerName();
  std::string story =
      what + "\n" +
      (report.ok() && !report.restored.empty()
           ? "Restored byte for byte: " + Join(report.restored, ", ")
           : report.Summary()) +
      ".";
  try {
    if (server.ReloadIfRunning()) {
      story += " " + name + " was reloaded with the restored configuration.";
    } else {
      story += " " + name + " is not running; nothing was reloaded.";
    }
  } catch (const Error& e) {
    story += reloaded_bad_config
                 ? " Reloading the restored configuration failed too: " +
                       std::string(e.what())
                 : " " + name +
                       " still runs its previous configuration (reloading "
                       "the restored files failed: " +
                       std::string(e.what()) + ")";
  }
  throw LiveUpdateError(story, std::move(report));
}

LiveUpdateOutcome UpdateLiveFiles(Filesystem& fs, ServerControl& server,
                                  const std::string& journal_dir,
                                  const std::vector<FileState>& files,
                                  const std::string& archive_dir) {
  FileTransaction tx(fs, journal_dir);
  try {
    tx.Write(files);
  } catch (const Error& e) {
    UndoLiveUpdate(tx, server,
                   "Writing the " + server.ServerName() +
                       " configuration failed: " + e.what(),
                   false);
  }
  LiveUpdateOutcome outcome;
  outcome.written = tx.touched();
  if (tx.empty()) return outcome;
  try {
    server.TestConfig();
  } catch (const Error& e) {
    UndoLiveUpdate(tx, server, e.what(), false);
  }
  try {
    outcome.started = server.ReloadOrStart();
  } catch (const Error& e) {
    UndoLiveUpdate(tx, server, e.what(), true);
  }
  tx.Commit(archive_dir);
  return outcome;
}

std::vector<std::string> RecoverLiveJournals(
    Filesystem& fs, ServerControl& server,
    const std::vector<LiveJournal>& journals) {
  std::vector<std::string> lines;
  bool restored = false;
  const std::string name = server.ServerName();
  for (const LiveJournal& j : journals) {
    std::optional<RestoreReport> report =
        RecoverJournal(fs, j.dir, j.on_conflict);
    if (!report) continue;
    restored =
        restored || !report->restored.empty() || !report->rewritten.empty();
    lines.push_back("An earlier certpilot run was interrupted with " + j.what +
                    " in the " + name + " configuration: " + report->Summary() +
                    ".");
  }
  if (restored) {
    try {
      lines.push_back(server.ReloadIfRunning()
                          ? name +
                                " was reloaded with the restored "
                                "configuration."
                          : name + " is not running; nothing was reloaded.");
    } catch (const Error& e) {
      lines.push_back("Reloading " + name +
                      " after the recovery failed: " + e.what());
    }
  }
  return lines;
}

}  // namespace certpilot::sys
