// install --apache / enhance for an Apache lineage (install.h).
#include <ostream>
#include <set>

#include "apache/patch/install_patch.h"
#include "apache/patch/tls_options.h"
#include "app/usecases/deploy_paths.h"
#include "app/usecases/deploy_target.h"
#include "app/usecases/install.h"
#include "app/wiring/apache_setup.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "sys/file_transaction.h"
#include "sys/live_update.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// Debian's a2enmod / a2dismod on the configuration in o.server_root
// (they read APACHE_CONFDIR).
sys::ProcessResult RunModuleTool(sys::ProcessRunner& runner,
                                 const ApacheOptions& o,
                                 const std::string& tool,
                                 const std::string& module) {
  sys::ProcessSpec spec;
  spec.argv = {tool, "-q", module};
  if (tool == "a2dismod") spec.argv.insert(spec.argv.begin() + 1, "-f");
  spec.env_add["APACHE_CONFDIR"] = o.server_root;
  return runner.Run(spec);
}

// The links in SERVER_ROOT/mods-enabled (a2enmod's), by name.
std::set<std::string> ModuleLinks(sys::Filesystem& fs, const ApacheOptions& o) {
  const std::string dir = sys::JoinPath(o.server_root, "mods-enabled");
  std::set<std::string> out;
  if (!fs.IsDir(dir)) return out;
  for (const std::string& name : fs.ListDir(dir))
    if (fs.IsSymlink(sys::JoinPath(dir, name))) out.insert(name);
  return out;
}

// Applies `plan`: files journalled, then links and modules, configtest,
// graceful reload; any failure undoes all of it (sys::UndoLiveUpdate
// throws sys::LiveUpdateError). Returns whether Apache was started.
bool ApplyPlan(sys::Filesystem& fs, sys::ProcessRunner& runner,
               apache::ApacheControl& control, const ApacheOptions& o,
               const apache::InstallPlan& plan, const apache::StatePaths& state,
               const std::string& archive) {
  sys::FileTransaction tx(fs, state.install_journal);
  std::vector<std::string> links;
  std::vector<std::string> modules;
  const std::set<std::string> module_links = ModuleLinks(fs, o);
  auto undo = [&](const std::string& what, bool reloaded) {
    for (const std::string& link : links) {
      try {
        fs.Unlink(link);
      } catch (const Error& e) {
        log::Error("could not remove " + link + ": " + e.what());
      }
    }
    for (const std::string& m : modules) {
      const sys::ProcessResult r = RunModuleTool(runner, o, "a2dismod", m);
      if (!r.Succeeded())
        log::Error("a2dismod " + m + " " + r.Describe() + ": " +
                   sys::PrintedOutput(r));
    }
    // a2enmod also enabled what the modules depend on (ssl: setenvif,
    // socache_shmcb, mime.conf), which a2dismod leaves: those links go too.
    if (!plan.modules.empty()) {
      const std::string dir = sys::JoinPath(o.server_root, "mods-enabled");
      for (const std::string& name : ModuleLinks(fs, o)) {
        if (module_links.count(name)) continue;
        try {
          fs.Unlink(sys::JoinPath(dir, name));
        } catch (const Error& e) {
          log::Error("could not remove " + sys::JoinPath(dir, name) + ": " +
                     e.what());
        }
      }
    }
    sys::UndoLiveUpdate(tx, control, what, reloaded);
  };
  try {
    tx.Write(plan.files);
    for (const apache::SiteLink& l : plan.links) {
      fs.Symlink(l.target, l.path);
      links.push_back(l.path);
    }
    for (const std::string& m : plan.modules) {
      const sys::ProcessResult r = RunModuleTool(runner, o, "a2enmod", m);
      if (!r.Succeeded())
        throw Error("a2enmod " + m + " " + r.Describe() + ": " +
                    sys::PrintedOutput(r));
      modules.push_back(m);
    }
  } catch (const Error& e) {
    undo("Changing the Apache configuration failed: " + std::string(e.what()),
         false);
  }
  try {
    control.Test();
  } catch (const Error& e) {
    undo(e.what(), false);
  }
  bool started = false;
  try {
    started = control.Reload() == apache::ApacheControl::Reloaded::kStarted;
  } catch (const Error& e) {
    undo(e.what(), true);
  }
  tx.Commit(archive);
  return started;
}

}  // namespace

int DeployToApache(const InstallOptions& o, Services& services,
                   DeployKind what) {
  const bool install = what == DeployKind::kInstall;
  RunContext ctx(o.common, services);
  sys::Filesystem& fs = ctx.fs();
  const std::string& name = o.cert_name;
  const DeployTarget target =
      OpenDeployTarget(ctx, name, what, "apache", "Apache");
  const LineageInfo& info = target.info;
  RequireApacheConf(fs, o.apache);
  const sys::FileLock apache_lock = ctx.Lock(SharedResource::kApache);

  apache::ApacheControl control =
      MakeApacheControl(services.runner, fs, o.apache);
  const apache::StatePaths state = ApacheState(ctx.layout());
  RecoverApacheState(fs, control, ctx.layout(), o.apache);

  apache::InstallRequest req;
  req.names = info.domains;
  const std::string live = Absolute(ctx.layout().live_dir(name));
  req.certificate_path = sys::JoinPath(live, "fullchain.pem");
  req.key_path = sys::JoinPath(live, "privkey.pem");
  req.options_path = sys::JoinPath(Absolute(ctx.layout().config_dir),
                                   std::string(apache::kTlsOptionsFileName));
  req.http_port = o.http_port;
  req.https_port = o.https_port;
  req.install = install;
  req.redirect = o.redirect;
  req.hsts = o.enhance.hsts;
  req.uir = o.enhance.uir;
  const apache::InstallPlan plan =
      apache::PlanInstall(fs, ApacheLoadOptions(fs, o.apache), req);

  const bool changes =
      !plan.files.empty() || !plan.links.empty() || !plan.modules.empty();
  bool started = false;
  if (changes) {
    fs.MakeDirs(state.dir, 0700);
    started =
        ApplyPlan(fs, services.runner, control, o.apache, plan, state,
                  ArchiveDir(fs, state.backups, services.clock.Now(), install));
  }
  if (install) {
    RenewalSettings settings = ReadRenewalConf(ctx, name);
    settings.installer = "apache";
    settings.apache = o.apache;
    WriteRenewalConf(ctx, name, settings);
  }

  for (const std::string& note : plan.notes) log::Info(note);
  if (!changes) {
    services.out << (install ? "Apache already serves the certificate "
                             : "Apache already has every enhancement asked "
                               "for ")
                 << name << (install ? " for " + Join(info.domains, ", ") : "")
                 << "; nothing changed.\n";
    return 0;
  }
  services.out << (install ? "Deployed the certificate " : "Enhanced ") << name
               << (install ? " to Apache (" : " in Apache (")
               << o.apache.server_root << "):\n";
  for (const std::string& action : plan.actions)
    services.out << "  " << action << "\n";
  services.out << "Apache passed its configuration test and was "
               << (started ? "started" : "gracefully reloaded") << ".\n";
  return 0;
}

}  // namespace certpilot::app
