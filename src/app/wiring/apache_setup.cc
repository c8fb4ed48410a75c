#include "app/wiring/apache_setup.h"

#include "apache/config/envvars.h"
#include "util/error.h"
#include "util/log.h"

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

apache::StatePaths ApacheState(const storage::Layout& layout) {
  return apache::StatePaths(sys::JoinPath(layout.work_dir, "apache"));
}

apache::ApacheControl MakeApacheControl(sys::ProcessRunner& runner,
                                        sys::Filesystem& fs,
                                        const ApacheOptions& o) {
  apache::ApacheCommand command;
  command.ctl = o.ctl;
  command.server_root = o.server_root;
  return apache::ApacheControl(runner, fs, command);
}

apache::LoadOptions ApacheLoadOptions(sys::Filesystem& fs,
                                      const ApacheOptions& o) {
  apache::LoadOptions load;
  load.server_root = o.server_root;
  load.config_file.clear();
  for (const char* main : {"apache2.conf", "httpd.conf", "conf/httpd.conf"}) {
    if (fs.Exists(sys::JoinPath(o.server_root, main))) {
      load.config_file = main;
      break;
    }
  }
  if (load.config_file.empty()) {
    throw UsageError("there is no apache2.conf or httpd.conf in " +
                     o.server_root +
                     "; pass --apache-server-root with the directory that "
                     "holds Apache's configuration");
  }
  const std::string envvars = sys::JoinPath(o.server_root, "envvars");
  if (fs.Exists(envvars))
    load.environment = apache::ReadEnvvars(fs.ReadFile(envvars));
  return load;
}

void RecoverApacheState(sys::Filesystem& fs, apache::ApacheControl& apache,
                        const storage::Layout& layout) {
  for (const std::string& line :
       apache::RecoverInterruptedRuns(fs, apache, ApacheState(layout)))
    log::Warning(line);
}

}  // namespace certpilot::app
