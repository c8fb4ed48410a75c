// Running nginx itself: `nginx -t`, `nginx -s reload`, starting it. Through
// sys::ProcessRunner (argv, no shell), so tests record what would run.
//
//   Test    {ctl, "-t", "-c", CONF}
//   Reload  {ctl, "-c", CONF, "-s", "reload"} — nginx finds the running
//           master through the `pid` file named in CONF. When that fails
//           because nginx is not running (no pid file, an empty one, or no
//           such process) nginx is started instead: {ctl, "-c", CONF}.
// A reload only signals the master: nginx -s returns at once, and for a
// moment old and new workers both accept connections (workers.h). Given a
// ReloadWait, Reload waits — polling /proc, with a deadline — until no
// worker of the old configuration accepts any more, so that whatever asks
// next (the CA, a TLS client) is answered from the new one; a master that
// keeps its old workers (the new configuration failed to apply, e.g. a port
// it cannot bind) is then an NginxError instead of a silent no-op.
//
// Thread-safe as the ProcessRunner is.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "sys/filesystem.h"
#include "sys/live_update.h"
#include "sys/process_runner.h"
#include "util/clock.h"
#include "util/error.h"

namespace certpilot::nginx {

// nginx said no, or could not be run. what() ends with nginx's own output.
class NginxError : public Error {
 public:
  NginxError(const std::string& message, std::string output)
      : Error(message), output_(std::move(output)) {}
  // What nginx printed (stderr then stdout), control characters replaced.
  const std::string& output() const { return output_; }

 private:
  std::string output_;
};

// How to await a reload (see above). `fs` reads the main configuration
// (for its `pid`) and /proc.
struct ReloadWait {
  sys::Filesystem* fs = nullptr;
  Clock* clock = nullptr;
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds interval{20};
};

class NginxControl : public sys::ServerControl {
 public:
  // `program`: the nginx binary (looked up in PATH without a '/');
  // `conf`: the main configuration file (SERVER_ROOT/nginx.conf).
  NginxControl(sys::ProcessRunner& runner, std::string program,
               std::string conf, std::optional<ReloadWait> wait = std::nullopt);

  const std::string& program() const { return program_; }
  const std::string& conf() const { return conf_; }

  // `nginx -t`. Throws NginxError when the configuration is rejected or
  // nginx cannot be run.
  void Test();

  enum class Reloaded { kReloaded, kStarted };
  // Throws NginxError when nginx could neither be reloaded nor started.
  Reloaded Reload();
  // Reloads a running nginx; false (nothing started) when none runs. Throws
  // NginxError when the reload fails otherwise.
  bool ReloadIfRunning() override;

  // sys::ServerControl (safe_update.h): Test(), Reload().
  std::string ServerName() const override { return "nginx"; }
  void TestConfig() override { Test(); }
  bool ReloadOrStart() override { return Reload() == Reloaded::kStarted; }

 private:
  sys::ProcessResult Run(std::vector<std::string> args,
                         const std::string& what);
  // The running master and its accepting workers, if they can be read.
  std::optional<std::pair<int, std::set<int>>> Generation();
  void AwaitNewGeneration(int master, const std::set<int>& old);

  sys::ProcessRunner& runner_;
  std::string program_;
  std::string conf_;
  std::optional<ReloadWait> wait_;
};

// True if the output of a failed `nginx -s reload` says no master is running.
bool SaysNotRunning(const std::string& output);

}  // namespace certpilot::nginx
