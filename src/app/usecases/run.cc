#include "app/usecases/run.h"

#include "app/usecases/certonly.h"
#include "app/usecases/install.h"
#include "util/error.h"

namespace certpilot::app {

int Run(const RunOptions& o, Services& services) {
  if (o.installer != "nginx" && o.installer != "apache")
    throw UsageError(
        "run needs an installer: pass --nginx or --apache (certonly obtains "
        "without installing)");
  // The installer's server is the authenticator too, as certbot's
  // `--nginx` / `--apache`.
  CertonlyOptions certonly = o.certonly;
  certonly.authenticator = o.installer;
  InstallOptions install;
  install.common = certonly.common;
  install.cert_name =
      certonly.cert_name.empty() ? "unknown" : certonly.cert_name;
  install.installer = o.installer;
  install.nginx = certonly.nginx;
  install.apache = certonly.apache;
  install.http_port = certonly.http01_port;
  install.https_port = o.https_port;
  install.redirect = o.redirect;
  install.enhance = o.enhance;
  install.fleet = certonly.fleet;
  ValidateInstallOptions(install);  // before the CA is asked for anything

  // Two steps, each under the config-dir lock (certonly releases it when
  // it returns).
  std::string lineage;
  const int obtained = Certonly(certonly, services, &lineage);
  install.cert_name = lineage;
  const int installed = Install(install, services);
  return obtained != 0 ? obtained : installed;
}

}  // namespace certpilot::app
