#include "app/usecases/enhance.h"

#include "app/usecases/install.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "storage/lineage_store.h"
#include "util/error.h"

namespace certpilot::app {

int Enhance(const EnhanceOptions& o, Services& services) {
  if (!o.redirect && !o.enhance.hsts && !o.enhance.uir &&
      !o.enhance.staple_ocsp)
    throw UsageError(
        "enhance needs at least one of --redirect, --hsts, --uir, "
        "--staple-ocsp");
  InstallOptions install;
  install.common = o.common;
  install.cert_name = o.cert_name;
  install.installer = "nginx";
  install.http_port = o.http_port;
  install.https_port = o.https_port;
  install.redirect = o.redirect;
  install.enhance = o.enhance;
  bool apache = o.apache || o.apache_given;
  if (o.nginx_given) {
    install.nginx = o.nginx;
  } else if (!o.cert_name.empty()) {
    // The server the lineage was installed into (the lock is released at
    // the end of this block; DeployTo* takes it again).
    storage::LineageStore::ValidateName(o.cert_name);
    RunContext ctx(o.common, services);
    if (ctx.fs().Exists(ctx.layout().renewal_conf(o.cert_name))) {
      const RenewalSettings settings = ReadRenewalConf(ctx, o.cert_name);
      install.nginx = settings.nginx;
      install.apache = settings.apache;
      apache = apache || settings.installer == "apache";
    }
  }
  if (o.apache_given) install.apache = o.apache_options;
  if (apache) install.installer = "apache";
  ValidateInstallOptions(install);
  return apache ? DeployToApache(install, services, DeployKind::kEnhance)
                : DeployToNginx(install, services, DeployKind::kEnhance);
}

}  // namespace certpilot::app
