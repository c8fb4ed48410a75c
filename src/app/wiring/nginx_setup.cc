#include "app/wiring/nginx_setup.h"

#include <set>
#include <utility>

#include "util/error.h"
#include "util/log.h"

namespace certpilot::app {

void ValidateNginxOptions(const NginxOptions& o) {
  if (o.server_root.empty())
    throw UsageError("--nginx-server-root must not be empty");
  if (o.ctl.empty()) throw UsageError("--nginx-ctl must not be empty");
}

std::string NginxConfPath(const NginxOptions& o) {
  return sys::JoinPath(o.server_root, "nginx.conf");
}

nginx::StatePaths NginxState(const storage::Layout& layout) {
  return nginx::StatePaths(sys::JoinPath(layout.work_dir, "nginx"));
}

nginx::NginxControl MakeNginxControl(sys::ProcessRunner& runner,
                                     const NginxOptions& o, sys::Filesystem& fs,
                                     Clock& clock) {
  nginx::ReloadWait wait;
  wait.fs = &fs;
  wait.clock = &clock;
  return nginx::NginxControl(runner, o.ctl, NginxConfPath(o), wait);
}

void RequireNginxConf(sys::Filesystem& fs, const NginxOptions& o) {
  if (!fs.Exists(NginxConfPath(o))) {
    throw UsageError(
        "there is no " + NginxConfPath(o) +
        "; pass --nginx-server-root with the directory that holds nginx.conf");
  }
}

void RecoverNginxState(sys::Filesystem& fs, nginx::NginxControl& nginx,
                       const storage::Layout& layout) {
  for (const std::string& line :
       nginx::RecoverInterruptedRuns(fs, nginx, NginxState(layout)))
    log::Warning(line);
}

int ReloadNginxAfterRenewal(sys::ProcessRunner& runner, sys::Filesystem& fs,
                            Clock& clock,
                            const std::vector<NginxOptions>& renewed) {
  std::set<std::pair<std::string, std::string>> done;
  int failures = 0;
  for (const NginxOptions& o : renewed) {
    if (!done.insert({o.server_root, o.ctl}).second) continue;
    nginx::NginxControl control = MakeNginxControl(runner, o, fs, clock);
    try {
      if (control.Reload() == nginx::NginxControl::Reloaded::kStarted)
        log::Info("nginx (" + NginxConfPath(o) +
                  ") was not running: started it");
      else
        log::Info("Reloaded nginx (" + NginxConfPath(o) +
                  ") for the renewed certificates");
    } catch (const nginx::NginxError& e) {
      ++failures;
      log::Error(
          "the renewed certificates are saved, but reloading nginx failed: " +
          std::string(e.what()));
    }
  }
  return failures;
}

}  // namespace certpilot::app
