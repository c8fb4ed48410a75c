// Where certpilot keeps its nginx state, and how a run that did not finish
// (killed, crashed, power lost) is undone by the next one.
//
// STATE = WORK/nginx (e.g. /var/lib/certpilot/nginx):
//   challenge.journal/       the authenticator's FileTransaction while
//                            challenge responses are in the configuration
//   challenge-servers.conf   its temporary server blocks (while needed)
//   install.journal/         an installer transaction until `nginx -t` and
//                            the reload succeeded
//   backups/<UTC time>-install/  finished installs: the files as they were
//                            before (see sys/file_transaction.h for the format)
//
// Both journals mean "undo me": the challenge one always (responses are
// temporary), the install one because its changes were never tested and
// reloaded. A file changed by someone else since a challenge run crashed is
// not overwritten: only the lines marked "# managed by certpilot" that serve
// challenges are taken out of it (StripChallengeLines).
#pragma once

#include <string>
#include <vector>

#include "nginx/runtime/control.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"

namespace certpilot::nginx {

struct StatePaths {
  explicit StatePaths(const std::string& state_dir);
  std::string dir;
  std::string challenge_journal;
  std::string own_server_file;
  std::string install_journal;
  std::string backups;
};

// For a file someone changed while challenge responses were in it: the
// text with certpilot's challenge lines (and the include of `own_file`)
// taken out, or nullopt if it holds none or does not parse.
sys::ConflictHandler StripChallengeLinesHandler(const std::string& own_file);

// Recovers both journals, then reloads nginx (if it runs) when a file was
// restored. Returns what it did, one line each, for the log (empty when
// there was nothing to recover). A file that cannot be restored is reported
// and its journal kept; throws Error only for a journal it cannot read.
std::vector<std::string> RecoverInterruptedRuns(sys::Filesystem& fs,
                                                NginxControl& nginx,
                                                const StatePaths& paths);

}  // namespace certpilot::nginx
