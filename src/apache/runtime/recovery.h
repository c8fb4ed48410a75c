// Where certpilot keeps its Apache state, and how a run that did not finish
// (killed, crashed, power lost) is undone by the next one.
//
// STATE = WORK/apache (e.g. /var/lib/certpilot/apache):
//   challenge.journal/       the authenticator's FileTransaction while
//                            challenge responses are in the configuration
//   challenge/               the default --apache-challenge-location
//                            (apache/patch/challenge_patch.h)
//   install.journal/         an installer transaction until configtest and
//                            the graceful reload succeeded
//   backups/<UTC time>-install/  finished installs: the files as they were
//                            before (see sys/file_transaction.h)
//
// Both journals mean "undo me": the challenge one always (responses are
// temporary), the install one because its changes were never tested and
// reloaded. A file changed by someone else since a challenge run crashed is
// not overwritten: only the Includes of certpilot's challenge files are
// taken out of it (StripChallengeLines).
#pragma once

#include <string>
#include <vector>

#include "apache/runtime/control.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"

namespace certpilot::apache {

struct StatePaths {
  explicit StatePaths(const std::string& state_dir);
  std::string dir;
  std::string challenge_journal;
  std::string challenge_location;  // the default one
  std::string install_journal;
  std::string backups;
};

// For a file someone changed while challenge responses were in it: the
// text without the Includes of certpilot's challenge files, or nullopt if
// it holds none or does not parse.
sys::ConflictHandler StripChallengeLinesHandler();

// Recovers both journals, then gracefully reloads Apache (if it runs) when
// a file was restored. Returns what it did, one line each, for the log
// (empty when there was nothing to recover). A file that cannot be restored
// is reported and its journal kept; throws Error only for a journal it
// cannot read.
std::vector<std::string> RecoverInterruptedRuns(sys::Filesystem& fs,
                                                ApacheControl& apache,
                                                const StatePaths& paths);

}  // namespace certpilot::apache
