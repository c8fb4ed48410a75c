// `install --nginx --cert-name NAME`: serve an existing lineage's
// certificate from the nginx server blocks that serve its names.
//
// The edits are nginx/install_patch.h's (and enhance_patch.h's for --hsts,
// --uir, --staple-ocsp); they are applied with
// nginx/safe_update.h (journal, atomic writes, `nginx -t`, reload; any
// failure restores every touched file byte for byte and reloads). The
// lineage's renewal conf then records `installer = nginx` and the
// nginx_server_root / nginx_ctl, so `renew` reloads that nginx after
// renewing it. CONFIG/options-ssl-nginx.conf is written when first needed
// and never overwritten (nginx/tls_options.h).
//
// Fleet mode (o.fleet.enabled()): in the same update, the blocks also send
// /.well-known/acme-challenge/ to this node's agent at --fleet-responder
// (nginx/patch/challenge_proxy.h), so a challenge the fleet published is
// answered whichever node the CA reaches. Without --fleet-responder, a
// warning says nginx was not pointed at the agent.
#pragma once

#include "app/types/options.h"
#include "app/usecases/deploy_target.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Validates every input before touching anything (UsageError). Takes the
// config-dir lock and recovers interrupted nginx runs first. Returns 0.
// Throws Error (nginx::ConfigUpdateError, nginx::NoServerBlockError, ...)
// when nothing was installed; the configuration is then as it was.
int Install(const InstallOptions& o, Services& services);

// What install and enhance share (enhance.h; deploy_target.h): with kEnhance
// the lineage must already be installed (`installer = nginx`), the certificate
// is not touched, only o.redirect and o.enhance are applied, and the renewal
// conf is left as it is. Same locking, recovery and rollback as Install.
int DeployToNginx(const InstallOptions& o, Services& services, DeployKind what);

// The same for Apache (install --apache; apache/patch/install_patch.h):
// the plan's files are journalled (sys::FileTransaction), its links made
// and its modules enabled (a2enmod), then `apachectl configtest` and a
// graceful reload; any failure takes the links and modules out again,
// restores every touched file byte for byte and reloads. The renewal conf
// records `installer = apache` with apache_server_root / apache_ctl.
int DeployToApache(const InstallOptions& o, Services& services,
                   DeployKind what);

// Throws UsageError for bad InstallOptions (no installer, no --cert-name,
// bad ports, empty nginx options).
void ValidateInstallOptions(const InstallOptions& o);

}  // namespace certpilot::app
