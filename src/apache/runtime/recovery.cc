#include "apache/runtime/recovery.h"

#include "apache/config/parse_error.h"
#include "apache/config/parser.h"
#include "apache/patch/challenge_patch.h"
#include "sys/live_update.h"

namespace certpilot::apache {

StatePaths::StatePaths(const std::string& state_dir)
    : dir(state_dir),
      challenge_journal(sys::JoinPath(state_dir, "challenge.journal")),
      challenge_location(sys::JoinPath(state_dir, "challenge")),
      install_journal(sys::JoinPath(state_dir, "install.journal")),
      backups(sys::JoinPath(state_dir, "backups")) {}

sys::ConflictHandler StripChallengeLinesHandler() {
  return [](const std::string& path,
            const std::string& current) -> std::optional<std::string> {
    try {
      Config config = ParseConfig(current, path);
      if (StripChallengeLines(config) == 0) return std::nullopt;
      return config.Dump();
    } catch (const ParseError&) {
      return std::nullopt;
    }
  };
}

std::vector<std::string> RecoverInterruptedRuns(sys::Filesystem& fs,
                                                ApacheControl& apache,
                                                const StatePaths& paths) {
  return sys::RecoverLiveJournals(
      fs, apache,
      {{paths.challenge_journal, "challenge responses",
        StripChallengeLinesHandler()},
       {paths.install_journal, "installer changes", nullptr}});
}

}  // namespace certpilot::apache
