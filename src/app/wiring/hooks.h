// certbot-compatible hooks around renewals.
//
//   pre    once per run, before the first renewal attempt
//   deploy once per successfully renewed lineage; env RENEWED_LINEAGE (the
//          live dir) and RENEWED_DOMAINS (space-separated)
//   post   once per run, after every attempt; env RENEWED_DOMAINS and
//          FAILED_DOMAINS
//
// Each stage runs the command hooks (a person's strings, run with
// /bin/sh -c, data only through the environment) and then, unless
// `directory_hooks` is false (--no-directory-hooks), the executables in
// CONFIG/renewal-hooks/<stage>/ in name order (argv = the file alone).
// Output is captured into the log. A failing hook is reported and counted;
// it never undoes a renewal.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/layout.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"

namespace certpilot::app {

class Hooks {
 public:
  Hooks(sys::ProcessRunner& runner, sys::Filesystem& fs,
        const storage::Layout& layout, bool directory_hooks = true);

  // Each returns the number of hooks that failed. Thread-safe.
  int RunPre(const std::vector<std::string>& commands);
  int RunDeploy(const std::vector<std::string>& commands,
                const std::string& live_dir,
                const std::vector<std::string>& domains);
  int RunPost(const std::vector<std::string>& commands,
              const std::vector<std::string>& renewed_domains,
              const std::vector<std::string>& failed_domains);

 private:
  int RunStage(const std::string& stage,
               const std::vector<std::string>& commands,
               const std::map<std::string, std::string>& env);

  sys::ProcessRunner& runner_;
  sys::Filesystem& fs_;
  storage::Layout layout_;
  bool directory_hooks_;
};

// Adds `command` to `list` unless empty or already there (order kept).
void AddHook(std::vector<std::string>& list, const std::string& command);

}  // namespace certpilot::app
