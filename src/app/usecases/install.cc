#include "app/usecases/install.h"

#include <filesystem>
#include <ostream>

#include "app/rules/fleet_responder.h"
#include "app/usecases/deploy_paths.h"
#include "app/usecases/deploy_target.h"
#include "app/wiring/apache_setup.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/nginx_setup.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "nginx/config/include_loader.h"
#include "nginx/patch/challenge_proxy.h"
#include "nginx/patch/enhance_patch.h"
#include "nginx/patch/install_patch.h"
#include "nginx/patch/tls_options.h"
#include "nginx/runtime/safe_update.h"
#include "storage/lineage_store.h"
#include "sys/file_transaction.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateInstallOptions(const InstallOptions& o) {
  if (o.installer != "nginx" && o.installer != "apache")
    throw UsageError("no installer chosen: pass --nginx or --apache");
  if (o.cert_name.empty())
    throw UsageError(
        "pass --cert-name NAME: the certificate to install (see certpilot "
        "certificates)");
  storage::LineageStore::ValidateName(o.cert_name);
  if (o.installer == "apache") {
    ValidateApacheOptions(o.apache);
    if (o.enhance.staple_ocsp)
      throw UsageError("--staple-ocsp is not supported with --apache yet");
  } else {
    ValidateNginxOptions(o.nginx);
  }
  for (int port : {o.http_port, o.https_port})
    if (port < 1 || port > 65535)
      throw UsageError(
          "--http-01-port and --https-port must be between 1 and 65535");
  if (o.http_port == o.https_port)
    throw UsageError("--http-01-port and --https-port must differ");
  if (o.fleet.enabled() && !o.fleet.responder.empty())
    ParseFleetResponder(o.fleet.responder);
}

int Install(const InstallOptions& o, Services& services) {
  ValidateInstallOptions(o);
  if (o.installer == "apache") {
    if (o.fleet.enabled())
      log::Warning(
          "fleet mode: Apache is not pointed at the agent; send "
          "/.well-known/acme-challenge/ to it yourself (ProxyPass)");
    return DeployToApache(o, services, DeployKind::kInstall);
  }
  return DeployToNginx(o, services, DeployKind::kInstall);
}

namespace {

// Fleet mode (issue #17): the lineage's blocks send the CA's HTTP-01
// requests to this node's agent, which answers any token the fleet
// published, so the load balancer may pick any node.
void PointChallengesAtAgent(const InstallOptions& o,
                            const std::vector<std::string>& names,
                            nginx::ConfigGraph& graph,
                            nginx::InstallResult& result) {
  if (o.fleet.responder.empty()) {
    log::Warning(
        "fleet mode: no --fleet-responder, so nginx does not send "
        "/.well-known/acme-challenge/ to this node's agent; set it (e.g. "
        "fleet-responder = 127.0.0.1:8402 in cli.ini) where nginx stands "
        "in front of the agent");
    return;
  }
  nginx::ChallengeProxyRequest req;
  req.names = names;
  req.http_port = o.http_port;
  req.https_port = o.https_port;
  req.upstream = ResponderUpstream(ParseFleetResponder(o.fleet.responder));
  nginx::ChallengeProxyResult proxy = nginx::PatchForChallengeProxy(graph, req);
  result.actions.insert(result.actions.end(), proxy.actions.begin(),
                        proxy.actions.end());
  result.notes.insert(result.notes.end(), proxy.notes.begin(),
                      proxy.notes.end());
}

// The stapling the request asks for, if the certificate allows it: warns
// about Let's Encrypt's end of OCSP, and drops it for a certificate without
// an OCSP URL (nginx would fail to staple it on every handshake).
void DecideStapling(sys::Filesystem& fs, const LineageInfo& info,
                    const std::string& live, nginx::EnhanceRequest& req) {
  if (!req.staple_ocsp) return;
  log::Warning(
      "--staple-ocsp: Let's Encrypt ended its OCSP service in 2025; stapling "
      "helps only with a CA that still runs OCSP");
  const crypto::Certificate cert =
      crypto::Certificate::FromPem(fs.ReadFile(info.cert_path));
  if (cert.OcspUrls().empty()) {
    log::Warning("the certificate " + info.name +
                 " names no OCSP responder (Authority Information Access): "
                 "no OCSP stapling added");
    req.staple_ocsp = false;
    return;
  }
  req.chain_path = sys::JoinPath(live, "chain.pem");
}

}  // namespace

int DeployToNginx(const InstallOptions& o, Services& services,
                  DeployKind what) {
  const bool install = what == DeployKind::kInstall;
  RunContext ctx(o.common, services);
  sys::Filesystem& fs = ctx.fs();
  const std::string& name = o.cert_name;
  const DeployTarget target =
      OpenDeployTarget(ctx, name, what, "nginx", "nginx");
  const LineageInfo& info = target.info;
  RequireNginxConf(fs, o.nginx);
  const sys::FileLock nginx_lock = ctx.Lock(SharedResource::kNginx);

  nginx::NginxControl control =
      MakeNginxControl(services.runner, o.nginx, fs, services.clock);
  const nginx::StatePaths state = NginxState(ctx.layout());
  RecoverNginxState(fs, control, ctx.layout());

  nginx::InstallRequest req;
  req.names = info.domains;
  const std::string live = Absolute(ctx.layout().live_dir(name));
  req.certificate_path = sys::JoinPath(live, "fullchain.pem");
  req.key_path = sys::JoinPath(live, "privkey.pem");
  req.options_path = sys::JoinPath(Absolute(ctx.layout().config_dir),
                                   std::string(nginx::kTlsOptionsFileName));
  req.http_port = o.http_port;
  req.https_port = o.https_port;
  req.redirect = o.redirect;
  nginx::EnhanceRequest enhance;
  enhance.names = info.domains;
  enhance.https_port = o.https_port;
  enhance.hsts = o.enhance.hsts;
  enhance.uir = o.enhance.uir;
  enhance.staple_ocsp = o.enhance.staple_ocsp;
  DecideStapling(fs, info, live, enhance);

  nginx::ConfigGraph graph = nginx::ConfigGraph::Load(fs, o.nginx.server_root);
  nginx::InstallResult result;
  if (install || req.redirect) result = nginx::PatchForInstall(graph, req);
  if (install && o.fleet.enabled())
    PointChallengesAtAgent(o, info.domains, graph, result);
  if (nginx::WantsEnhancement(enhance)) {
    nginx::EnhanceResult more = nginx::PatchForEnhance(graph, enhance);
    result.actions.insert(result.actions.end(), more.actions.begin(),
                          more.actions.end());
    result.notes.insert(result.notes.end(), more.notes.begin(),
                        more.notes.end());
  }
  std::vector<sys::FileState> files;
  if (result.includes_options && !fs.Exists(req.options_path))
    files.push_back({req.options_path, std::string(nginx::kTlsOptionsText)});
  for (nginx::Config* file : graph.ModifiedFiles())
    files.push_back({file->path(), file->Dump()});

  fs.MakeDirs(state.dir, 0700);
  nginx::UpdateOutcome outcome = nginx::UpdateLiveConfig(
      fs, control, state.install_journal, files,
      ArchiveDir(fs, state.backups, services.clock.Now(), install));

  if (install) {
    RenewalSettings settings = ReadRenewalConf(ctx, name);
    settings.installer = "nginx";
    settings.nginx = o.nginx;
    WriteRenewalConf(ctx, name, settings);
  }

  for (const std::string& choice : result.choices)
    services.out << "Chose the server block for " << choice << "\n";
  for (const std::string& note : result.notes) log::Info(note);
  if (outcome.written.empty()) {
    if (install)
      services.out << "nginx already serves the certificate " << name << " for "
                   << Join(info.domains, ", ") << "; nothing changed.\n";
    else
      services.out << "nginx already has every enhancement asked for " << name
                   << "; nothing changed.\n";
    return 0;
  }
  if (outcome.started)
    log::Info("nginx was not running: started it (" + o.nginx.ctl + " -c " +
              NginxConfPath(o.nginx) + ")");
  services.out << (install ? "Deployed the certificate " : "Enhanced ") << name
               << (install ? " to nginx (" : " in nginx (")
               << NginxConfPath(o.nginx) << "):\n";
  for (const std::string& action : result.actions)
    services.out << "  " << action << "\n";
  services.out << "nginx passed its configuration test and was "
               << (outcome.started ? "started" : "reloaded") << ".\n";
  return 0;
}

}  // namespace certpilot::app
