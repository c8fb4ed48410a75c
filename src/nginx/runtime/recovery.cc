#include "nginx/runtime/recovery.h"

#include "nginx/config/parse_error.h"
#include "nginx/config/parser.h"
#include "nginx/patch/challenge_patch.h"
#include "sys/file_transaction.h"
#include "sys/live_update.h"

namespace certpilot::nginx {

StatePaths::StatePaths(const std::string& state_dir)
    : dir(state_dir),
      challenge_journal(sys::JoinPath(state_dir, "challenge.journal")),
      own_server_file(sys::JoinPath(state_dir, "challenge-servers.conf")),
      install_journal(sys::JoinPath(state_dir, "install.journal")),
      backups(sys::JoinPath(state_dir, "backups")) {}

sys::ConflictHandler StripChallengeLinesHandler(const std::string& own_file) {
  return [own_file](const std::string& path,
                    const std::string& current) -> std::optional<std::string> {
    try {
      Config config = ParseConfig(current, path);
      if (StripChallengeLines(config, own_file) == 0) return std::nullopt;
      return config.Dump();
    } catch (const ParseError&) {
      return std::nullopt;
    }
  };
}

std::vector<std::string> RecoverInterruptedRuns(sys::Filesystem& fs,
                                                NginxControl& nginx,
                                                const StatePaths& paths) {
  return sys::RecoverLiveJournals(
      fs, nginx,
      {{paths.challenge_journal, "challenge responses",
        StripChallengeLinesHandler(paths.own_server_file)},
       {paths.install_journal, "installer changes", nullptr}});
}

}  // namespace certpilot::nginx
