#include "nginx/runtime/recovery.h"

#include "nginx/config/parse_error.h"
#include "nginx/config/parser.h"
#include "nginx/patch/challenge_patch.h"
#include "sys/file_transaction.h"

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
  std::vector<std::string> lines;
  bool restored = false;
  const sys::ConflictHandler strip =
      StripChallengeLinesHandler(paths.own_server_file);
  struct Journal {
    const std::string& dir;
    const char* what;
    sys::ConflictHandler handler;
  };
  for (const Journal& j :
       {Journal{paths.challenge_journal, "challenge responses", strip},
        Journal{paths.install_journal, "installer changes", nullptr}}) {
    std::optional<sys::RestoreReport> report =
        sys::RecoverJournal(fs, j.dir, j.handler);
    if (!report) continue;
    restored =
        restored || !report->restored.empty() || !report->rewritten.empty();
    lines.push_back(
        std::string("An earlier certpilot run was interrupted with ") + j.what +
        " in the nginx configuration: " + report->Summary() + ".");
  }
  if (restored) {
    try {
      lines.push_back(
          nginx.ReloadIfRunning()
              ? "nginx was reloaded with the restored configuration."
              : "nginx is not running; nothing was reloaded.");
    } catch (const NginxError& e) {
      lines.push_back(
          std::string("Reloading nginx after the recovery failed: ") +
          e.what());
    }
  }
  return lines;
}

}  // namespace certpilot::nginx
