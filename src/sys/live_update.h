// Changing the configuration files of a running server (nginx, Apache
// httpd) without ever leaving it broken — the choreography both web servers
// share (docs/ARCHITECTURE.md, Web servers): back up every file (a
// FileTransaction journal), write atomically, test the configuration,
// reload. On any failure every touched file is restored byte for byte, the
// restored configuration reloaded when the server runs, and LiveUpdateError
// says exactly what happened and what was restored. On success the journal
// becomes a backup under `archive_dir`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::sys {

// What UpdateLiveFiles needs of a server. Each call throws Error (with the
// server's own words) when the server says no or cannot be run.
class ServerControl {
 public:
  virtual ~ServerControl() = default;
  // For messages: "nginx", "Apache".
  virtual std::string ServerName() const = 0;
  // Checks the configuration on disk (nginx -t, apache2ctl configtest).
  virtual void TestConfig() = 0;
  // Makes the server use the configuration on disk; starts it when it does
  // not run. True when it was started.
  virtual bool ReloadOrStart() = 0;
  // Reloads a running server; false (nothing started) when none runs.
  virtual bool ReloadIfRunning() = 0;
};

struct LiveUpdateOutcome {
  std::vector<std::string> written;  // resolved paths of the files changed
  bool started = false;              // the server was not running; started
};

class LiveUpdateError : public Error {
 public:
  LiveUpdateError(const std::string& message, RestoreReport report)
      : Error(message), report_(std::move(report)) {}
  const RestoreReport& report() const { return report_; }

 private:
  RestoreReport report_;
};

// Brings `files` to their states (nothing happens, and the server is not
// touched, when they are all in them already). REQUIRES: no unfinished
// journal in `journal_dir` (recover first). Throws LiveUpdateError.
LiveUpdateOutcome UpdateLiveFiles(Filesystem& fs, ServerControl& server,
                                  const std::string& journal_dir,
                                  const std::vector<FileState>& files,
                                  const std::string& archive_dir);

// Restores what `tx` touched, reloads the server when it runs, and throws
// LiveUpdateError telling `what` went wrong and what was restored.
// `reloaded_bad_config`: the server was already told to load the new files.
[[noreturn]] void UndoLiveUpdate(FileTransaction& tx, ServerControl& server,
                                 const std::string& what,
                                 bool reloaded_bad_config);

// A journal an interrupted run may have left (see RecoverLiveJournals).
struct LiveJournal {
  std::string dir;
  std::string what;  // "challenge responses", "installer changes"
  ConflictHandler on_conflict;
};

// Recovers each journal (RecoverJournal), then reloads the server (if it
// runs) when a file was restored. Returns what it did, one line each, for
// the log (empty when there was nothing to recover). A file that cannot be
// restored is reported and its journal kept; throws Error only for a
// journal it cannot read.
std::vector<std::string> RecoverLiveJournals(
    Filesystem& fs, ServerControl& server,
    const std::vector<LiveJournal>& journals);

}  // namespace certpilot::sys
