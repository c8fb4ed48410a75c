#include "app/wiring/apache_setup.h"

#include <optional>
#include <set>
#include <utility>

#include "apache/config/envvars.h"
#include "sys/file_transaction.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateApacheOptions(const ApacheOptions& o) {
  if (o.server_root.empty())
    throw UsageError("--apache-server-root must not be empty");
  if (o.ctl.empty()) throw UsageError("--apache-ctl must not be empty");
  if (!o.challenge_location.empty() && o.challenge_location.front() != '/')
    throw UsageError("--apache-challenge-location must be an absolute path");
  if (!o.vhost_root.empty() && o.vhost_root.front() != '/')
    throw UsageError("--apache-vhost-root must be an absolute path");
}

std::string RequireApacheConf(sys::Filesystem& fs, const ApacheOptions& o) {
  for (const char* name : {"apache2.conf", "httpd.conf"}) {
    const std::string path = sys::JoinPath(o.server_root, name);
    if (fs.Exists(path)) return path;
  }
  throw UsageError("there is no apache2.conf or httpd.conf in " +
                   o.server_root +
                   "; pass --apache-server-root with the directory that "
                   "holds Apache's configuration");
}

apache::ApacheControl MakeApacheControl(sys::ProcessRunner& runner,
                                        sys::Filesystem& fs,
                                        const ApacheOptions& o) {
  apache::ApacheCommand command;
  command.ctl = o.ctl;
  command.server_root = o.server_root;
  if (!fs.Exists(sys::JoinPath(o.server_root, "apache2.conf")) &&
      fs.Exists(sys::JoinPath(o.server_root, "httpd.conf")))
    command.config_file = "httpd.conf";
  return apache::ApacheControl(runner, fs, command);
}

apache::LoadOptions ApacheLoadOptions(sys::Filesystem& fs,
                                      const ApacheOptions& o) {
  apache::LoadOptions options;
  options.server_root = o.server_root;
  options.config_file = RequireApacheConf(fs, o);
  const std::string envvars = sys::JoinPath(o.server_root, "envvars");
  if (fs.Exists(envvars))
    options.environment = apache::ReadEnvvars(
        fs.ReadFile(envvars), {{"APACHE_CONFDIR", o.server_root}});
  return options;
}

apache::StatePaths ApacheState(const storage::Layout& layout) {
  return apache::StatePaths(sys::JoinPath(layout.work_dir, "apache"));
}

namespace {

// Links in SERVER_ROOT/sites-enabled to a "-le-ssl.conf" that is gone: an
// install interrupted after making the link, whose twin the recovery of
// its journal removed again.
void RemoveDanglingTwinLinks(sys::Filesystem& fs, const std::string& root) {
  const std::string dir = sys::JoinPath(root, "sites-enabled");
  if (!fs.IsDir(dir)) return;
  for (const std::string& name : fs.ListDir(dir)) {
    const std::string link = sys::JoinPath(dir, name);
    if (!EndsWith(name, "-le-ssl.conf") || !fs.IsSymlink(link)) continue;
    std::string target = fs.ReadLink(link);
    if (!StartsWith(target, "/")) target = sys::JoinPath(dir, target);
    if (fs.Exists(target)) continue;
    fs.Unlink(link);
    log::Warning("An earlier certpilot run was interrupted: removed " + link +
                 ", a link to " + target + ", which is gone");
  }
}

}  // namespace

void RecoverApacheState(sys::Filesystem& fs, apache::ApacheControl& apache,
                        const storage::Layout& layout, const ApacheOptions& o) {
  // The install journal first, without a reload: httpd must not read the
  // configuration while a link still points at a twin the journal removed.
  const apache::StatePaths state = ApacheState(layout);
  const std::optional<sys::RestoreReport> install =
      sys::RecoverJournal(fs, state.install_journal);
  if (install)
    log::Warning(
        "An earlier certpilot run was interrupted with installer changes in "
        "the Apache configuration: " +
        install->Summary() + ".");
  RemoveDanglingTwinLinks(fs, o.server_root);
  for (const std::string& line :
       apache::RecoverInterruptedRuns(fs, apache, state))
    log::Warning(line);
  if (install && !install->restored.empty()) {
    try {
      log::Warning(apache.ReloadIfRunning()
                       ? "Apache was reloaded with the restored configuration."
                       : "Apache is not running; nothing was reloaded.");
    } catch (const Error& e) {
      log::Error("Reloading Apache after the recovery failed: " +
                 std::string(e.what()));
    }
  }
}

int ReloadApacheAfterRenewal(sys::ProcessRunner& runner, sys::Filesystem& fs,
                             const std::vector<ApacheOptions>& renewed) {
  std::set<std::pair<std::string, std::string>> done;
  int failures = 0;
  for (const ApacheOptions& o : renewed) {
    if (!done.insert({o.server_root, o.ctl}).second) continue;
    apache::ApacheControl control = MakeApacheControl(runner, fs, o);
    try {
      if (control.Reload() == apache::ApacheControl::Reloaded::kStarted)
        log::Info("Apache (" + o.server_root + ") was not running: started it");
      else
        log::Info("Reloaded Apache (" + o.server_root +
                  ") for the renewed certificates");
    } catch (const Error& e) {
      ++failures;
      log::Error(
          "the renewed certificates are saved, but reloading Apache failed: " +
          std::string(e.what()));
    }
  }
  return failures;
}

std::vector<std::string> ApacheUsers(sys::Filesystem& fs,
                                     const ApacheOptions& o,
                                     const std::string& live_dir) {
  std::vector<std::string> users;
  try {
    if (!fs.Exists(sys::JoinPath(o.server_root, "apache2.conf")) &&
        !fs.Exists(sys::JoinPath(o.server_root, "httpd.conf")))
      return users;
    apache::ConfigGraph graph =
        apache::ConfigGraph::Load(fs, ApacheLoadOptions(fs, o));
    for (apache::Config* file : graph.files())
      if (file->original_text().find(live_dir + "/") != std::string::npos)
        users.push_back(file->path());
  } catch (const Error& e) {
    log::Warning("cannot check Apache's configuration in " + o.server_root +
                 ": " + e.what());
  }
  return users;
}

}  // namespace certpilot::app
