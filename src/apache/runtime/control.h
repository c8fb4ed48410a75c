// Running Apache httpd: configtest, graceful reload, starting it, and what
// the running configuration says (its modules, pid file, -D names).
// Through sys::ProcessRunner (argv, no shell), so tests record what would
// run. certbot's apache plugin runs the same commands (`--apache-ctl`).
//
// Two ways to drive it, chosen by the program's name:
//  - an apachectl ("apache2ctl", "apachectl", any name with "ctl"): Debian's
//    script sources SERVER_ROOT/envvars (the ${APACHE_*} apache2.conf uses)
//    and passes `-d SERVER_ROOT` itself; it is told the server root through
//    APACHE_CONFDIR in its environment.
//        configtest   {ctl, "configtest"}
//        reload       {ctl, "graceful"}
//        start        {ctl, "start"}
//        other        {ctl, ARGS…}  (passed on to httpd)
//  - httpd itself ("apache2", "httpd"): {bin, "-d", SERVER_ROOT, ["-f",
//    CONFIG_FILE,] -t | -k graceful | -k start | ARGS…}.
// A graceful reload only signals the parent process (SIGUSR1): it re-reads
// its configuration after the command returned, and children of the old
// generation finish their requests. Whoever needs the new configuration to
// answer (the authenticator's self-check) polls for it.
//
// "Running" means: the pid in httpd's PidFile (from `-t -D DUMP_RUN_CFG`)
// names a live process.
//
// Thread-safe as the ProcessRunner and Filesystem are.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sys/filesystem.h"
#include "sys/live_update.h"
#include "sys/process_runner.h"
#include "util/error.h"

namespace certpilot::apache {

// Apache said no, or could not be run. what() ends with Apache's own output.
class ApacheError : public Error {
 public:
  ApacheError(const std::string& message, std::string output)
      : Error(message), output_(std::move(output)) {}
  // What Apache printed (stderr then stdout), control characters replaced.
  const std::string& output() const { return output_; }

 private:
  std::string output_;
};

// How certpilot reaches the user's Apache (certbot's option names).
struct ApacheCommand {
  std::string ctl = "apache2ctl";            // --apache-ctl
  std::string server_root = "/etc/apache2";  // --apache-server-root
  // httpd -f, relative to server_root unless absolute; "" = httpd's own
  // default. Only passed when `ctl` is httpd itself.
  std::string config_file;
  // True when `ctl` is an apachectl script (see above).
  bool IsCtlScript() const;
};

// What `-t -D DUMP_RUN_CFG` says of the configuration on disk.
struct RunConfig {
  std::string server_root;
  std::string pid_file;              // absolute
  std::vector<std::string> defines;  // "Define: NAME" lines (-D names too)
};

// Parses `-t -D DUMP_RUN_CFG` output. Relative paths are resolved against
// its ServerRoot.
RunConfig ParseRunConfig(const std::string& output);
// Parses `-M` output: the identifiers ("ssl_module") of loaded modules.
std::set<std::string> ParseModules(const std::string& output);

class ApacheControl : public sys::ServerControl {
 public:
  // `fs` reads the pid file and /proc.
  ApacheControl(sys::ProcessRunner& runner, sys::Filesystem& fs,
                ApacheCommand command);

  const ApacheCommand& command() const { return command_; }
  // The command line (for messages): "apache2ctl configtest".
  std::string Describe(const std::vector<std::string>& args) const;

  // configtest. Throws ApacheError when the configuration is rejected or
  // Apache cannot be run.
  void Test();
  enum class Reloaded { kReloaded, kStarted };
  // Graceful reload of a running Apache, else starts it. Throws ApacheError.
  Reloaded Reload();
  // Graceful reload of a running Apache; false (nothing started) when none
  // runs. Throws ApacheError.
  bool ReloadIfRunning() override;
  // The pid of the running parent process, if any.
  std::optional<int> RunningPid();

  // `-t -D DUMP_RUN_CFG`, `-M`. Throw ApacheError.
  RunConfig ReadRunConfig();
  std::set<std::string> LoadedModules();

  // sys::ServerControl (safe_update.h).
  std::string ServerName() const override { return "Apache"; }
  void TestConfig() override { Test(); }
  bool ReloadOrStart() override { return Reload() == Reloaded::kStarted; }

 private:
  // Runs `args` (in the ctl's dialect); throws ApacheError when it cannot
  // be started or, if `must_succeed`, fails.
  sys::ProcessResult Run(const std::vector<std::string>& args,
                         bool must_succeed);
  std::vector<std::string> Argv(const std::vector<std::string>& args) const;

  sys::ProcessRunner& runner_;
  sys::Filesystem& fs_;
  ApacheCommand command_;
};

}  // namespace certpilot::apache
