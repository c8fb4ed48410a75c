#include "app/usecases/reconfigure.h"

#include <ostream>

#include "app/usecases/renew.h"
#include "app/wiring/keystore.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"

namespace certpilot::app {

int Reconfigure(const ReconfigureOptions& o, Services& services) {
  const std::string& name = o.renew.cert_name;
  if (name.empty()) throw UsageError("reconfigure needs --cert-name NAME");
  storage::LineageStore::ValidateName(name);
  {
    RunContext ctx(o.renew.common, services, TreeLock::kNone);
    if (!ctx.lineages().CurrentVersion(name))
      throw UsageError("no certificate named " + name +
                       " (see certpilot certificates)");
  }

  RenewOptions trial = o.renew;
  trial.dry_run = true;
  trial.force_renewal = true;
  trial.no_random_sleep = true;
  log::Info("Trying the new settings of " + name + " with a dry run");
  if (Renew(trial, services) != 0) {
    log::Error("the dry run failed; the settings of " + name +
               " were not changed");
    return 1;
  }

  RunContext ctx(o.renew.common, services);
  const sys::FileLock lineage_lock = ctx.LockLineage(name);
  LineageInfo info = InspectLineage(ctx, name, InspectDepth::kCertificate);
  RenewalSettings settings = ReadRenewalConf(ctx, name);
  ApplyRenewOverrides(o.renew, info.domains, settings);
  WriteRenewalConf(ctx, name, settings);
  if (!o.renew.common.quiet)
    services.out << "The dry run succeeded; saved the new settings of " << name
                 << " in " << ctx.layout().renewal_conf(name) << ".\n";
  // A keystore asked for now holds the current version at once.
  if (settings.pkcs12.enabled() && SyncKeystore(ctx, name, settings.pkcs12) &&
      !o.renew.common.quiet)
    services.out << "Keystore is saved at: " << settings.pkcs12.path << "\n";
  return 0;
}

}  // namespace certpilot::app
