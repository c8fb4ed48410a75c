#include "app/usecases/certonly.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <ostream>

#include "acme/client.h"
#include "acme/identifier.h"
#include "app/rules/ca_servers.h"
#include "app/rules/challenge_choice.h"
#include "app/rules/key_options.h"
#include "app/wiring/account_setup.h"
#include "app/wiring/apache_setup.h"
#include "app/wiring/ca_session_cache.h"
#include "app/wiring/fleet_accounts.h"
#include "app/wiring/fleet_session.h"
#include "app/wiring/hooks.h"
#include "app/wiring/issue.h"
#include "app/wiring/keystore.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/nginx_setup.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "app/wiring/solver_set.h"
#include "crypto/csr.h"
#include "issuance/obtain.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// certbot names a lineage after the first name, without a wildcard's "*.".
std::string DefaultLineageName(const std::vector<acme::Identifier>& ids) {
  std::string name = ids.front().value;
  if (StartsWith(name, "*.")) name = name.substr(2);
  return name;
}

std::vector<std::string> SortedNames(const std::vector<acme::Identifier>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(id.value);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The lineage to write: the named one (its names are replaced), an
// existing one with exactly these names (certbot's behaviour), one whose
// names are all among these (expanded: with --expand, or when the person
// agrees), or a new one.
std::string ChooseLineage(const CertonlyOptions& o, RunContext& ctx,
                          Prompter& prompter,
                          const std::vector<acme::Identifier>& ids) {
  if (!o.cert_name.empty()) return o.cert_name;
  // --duplicate: certbot's separate lineage, whatever holds these names.
  if (o.duplicate) return ctx.lineages().AvailableName(DefaultLineageName(ids));
  std::vector<std::string> want = SortedNames(ids);
  std::optional<LineageInfo> subset;
  for (const std::string& existing : ctx.lineages().ListNames()) {
    LineageInfo info =
        InspectLineage(ctx, existing, InspectDepth::kCertificate);
    if (!info.problem.empty()) continue;
    std::vector<std::string> have = Sorted(info.domains);
    if (have == want) return existing;
    if (!subset &&
        std::includes(want.begin(), want.end(), have.begin(), have.end()))
      subset = info;
  }
  if (subset) {
    const std::string question =
        "Certificate " + subset->name + " holds " +
        Join(subset->domains, ", ") +
        ", some of the names asked for. Expand it to all of them?";
    if (o.expand || (prompter.interactive() && prompter.Confirm(question)))
      return subset->name;
    if (!prompter.interactive())
      throw UsageError("certificate " + subset->name +
                       " holds some of these names (" +
                       Join(subset->domains, ", ") +
                       "): pass --expand to add the others to "
                       "it, or --cert-name NEW for a separate certificate");
    throw UsageError("not expanding " + subset->name + "; nothing was changed");
  }
  return ctx.lineages().AvailableName(DefaultLineageName(ids));
}

// --csr: the files to write, checked before anything is ordered. Given
// paths must not exist; defaults are the first NNNN_cert.pem,
// NNNN_chain.pem, NNNN_fullchain.pem (certbot's names) of which none
// exists.
storage::LivePaths CsrOutputPaths(const CertonlyOptions& o,
                                  sys::Filesystem& fs) {
  for (int n = 0; n < 10000; ++n) {
    char prefix[16];  // room for any int (-Wformat-truncation)
    std::snprintf(prefix, sizeof prefix, "%04d_", n);
    storage::LivePaths p;
    p.cert =
        o.cert_path.empty() ? std::string(prefix) + "cert.pem" : o.cert_path;
    p.chain =
        o.chain_path.empty() ? std::string(prefix) + "chain.pem" : o.chain_path;
    p.fullchain = o.fullchain_path.empty()
                      ? std::string(prefix) + "fullchain.pem"
                      : o.fullchain_path;
    bool taken = false;
    for (const std::string* path : {&p.cert, &p.chain, &p.fullchain}) {
      if (!fs.Exists(*path)) continue;
      const bool given = *path == o.cert_path || *path == o.chain_path ||
                         *path == o.fullchain_path;
      if (given)
        throw UsageError(
            *path +
            " exists; certpilot never overwrites a file with --csr "
            "(choose another --cert-path/--chain-path/--fullchain-path)");
      taken = true;
    }
    if (!taken) return p;
  }
  throw UsageError("no free NNNN_cert.pem name in the current directory");
}

// The CSR of --csr, and the names to order from it. -d, when given, must
// name the same set.
crypto::ParsedCsr ReadCsr(const CertonlyOptions& o, sys::Filesystem& fs,
                          std::vector<std::string>& domains) {
  crypto::ParsedCsr csr;
  try {
    csr = crypto::ParseCsr(fs.ReadFile(o.csr));
  } catch (const Error& e) {
    throw UsageError("--csr " + o.csr + ": " + e.what());
  }
  std::vector<std::string> names = csr.dns_names;
  names.insert(names.end(), csr.ip_addresses.begin(), csr.ip_addresses.end());
  if (!domains.empty() && SortedNames(acme::ParseIdentifierInputs(domains)) !=
                              SortedNames(acme::ParseIdentifierInputs(names)))
    throw UsageError("the -d names differ from the CSR's (" +
                     Join(names, ", ") + "); leave out -d with --csr");
  domains = names;
  return csr;
}

// The challenge settings the options ask for, with paths made absolute
// (renewal runs from a timer, in another directory). -w/--webroot-map may
// add names to `domains`.
ChallengeSettings ResolveChallengeSettings(const CertonlyOptions& o,
                                           std::vector<std::string>& domains) {
  ValidateAuthenticator(o.authenticator);
  ChallengeSettings c = o.challenges;
  c.preferred = NormalizeChallengeTypes(o.challenges.preferred);
  const bool webroot_args =
      !o.webroot_paths.empty() || !o.webroot_map_json.empty();
  if (o.authenticator == "webroot") {
    std::vector<WebrootPathArg> paths = o.webroot_paths;
    for (WebrootPathArg& p : paths)
      if (!p.path.empty())
        p.path = std::filesystem::absolute(p.path).lexically_normal();
    c.webroot_map = ResolveWebrootMap(domains, paths, o.webroot_map_json);
  } else if (webroot_args) {
    throw UsageError(
        "--webroot-path and --webroot-map need the webroot authenticator "
        "(--webroot)");
  }
  if (!c.dns_rfc2136_credentials.empty())
    c.dns_rfc2136_credentials =
        std::filesystem::absolute(c.dns_rfc2136_credentials);
  for (auto& [provider, file] : c.dns_provider_credentials)
    if (!file.empty()) file = std::filesystem::absolute(file);
  if (c.tls_alpn01_port < 1 || c.tls_alpn01_port > 65535)
    throw UsageError("--tls-alpn-01-port must be between 1 and 65535");
  if (c.dns_propagation_seconds < 0 || c.dns_propagation_seconds > 86400)
    throw UsageError("--dns-propagation-seconds must be between 0 and 86400");
  return c;
}

std::vector<std::string> NamesOf(const std::vector<acme::Identifier>& ids) {
  std::vector<std::string> names;
  for (const auto& id : ids) names.push_back(id.value);
  return names;
}

void WriteCsrOutputs(sys::Filesystem& fs, const storage::LivePaths& to,
                     const issuance::ObtainResult& got) {
  fs.CreateFileExclusive(to.cert, got.cert_pem, 0644, std::nullopt);
  fs.CreateFileExclusive(to.chain, got.chain_pem, 0644, std::nullopt);
  fs.CreateFileExclusive(to.fullchain, got.fullchain_pem, 0644, std::nullopt);
}

// What a successful dry run proved.
void ReportDryRun(const CertonlyOptions& o, Services& services,
                  const std::vector<std::string>& names,
                  const std::vector<std::string>& dropped,
                  const std::string& server) {
  if (o.common.quiet) return;
  services.out << "The dry run was successful: " << StripControl(server)
               << " validated and issued a certificate for "
               << Join(names, ", ")
               << (dropped.empty() ? ""
                                   : " (left out: " + Join(dropped, ", ") + ")")
               << "; nothing was saved.\n";
}

// certonly --pkcs12-path for a lineage that is not due: the keystore of its
// current version, and the setting stored so renewals keep it in step.
int AddKeystore(const CertonlyOptions& o, RunContext& ctx, Services& services,
                const std::string& name, const Pkcs12Settings& pkcs12) {
  RenewalSettings stored = ReadRenewalConf(ctx, name);
  stored.pkcs12 = pkcs12;
  WriteRenewalConf(ctx, name, stored);
  SyncKeystore(ctx, name, stored.pkcs12);
  if (!o.common.quiet)
    services.out << "Certificate " << name
                 << " is not yet due for renewal; its keystore is saved at: "
                 << stored.pkcs12.path << "\n";
  return 0;
}

}  // namespace

int Certonly(const CertonlyOptions& o, Services& services,
             std::string* lineage) {
  // --- every input check before any network or file work ---
  std::vector<std::string> domains = o.domains;
  for (const std::string& ip : o.ip_addresses) {
    if (acme::ParseIdentifierInput(ip).type != "ip")
      throw UsageError("--ip-address " + StripControl(ip) +
                       " is not an IP address");
    domains.push_back(ip);
  }
  std::optional<crypto::ParsedCsr> csr;
  if (!o.csr.empty()) csr = ReadCsr(o, services.fs, domains);
  RenewalSettings settings;
  settings.challenges = ResolveChallengeSettings(o, domains);
  if (domains.empty())
    throw UsageError("no domain names given: pass -d example.com (repeatable)");
  std::vector<acme::Identifier> ids = acme::ParseIdentifierInputs(domains);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  settings.key_spec =
      ParseKeySpec(o.key_type, o.rsa_key_size, o.elliptic_curve);
  CheckIdentifiersProvable(
      ids, ChallengeTypesFor(o.authenticator, settings.challenges.preferred));
  if (o.http01_port < 1 || o.http01_port > 65535)
    throw UsageError("--http-01-port must be between 1 and 65535");
  ValidateOrderSettings(o.order);
  // A dry run talks to Let's Encrypt's staging server instead of its
  // production one, as certbot's does (the account too).
  CommonOptions common = o.common;
  if (o.dry_run) common.server = DryRunServer(common.ServerUrl());
  settings.server = common.ServerUrl();
  if (o.order.must_staple && IsLetsEncrypt(settings.server))
    throw UsageError(std::string(kLetsEncryptMustStapleEnded) +
                     ": leave out --must-staple for " + settings.server);
  settings.authenticator = o.authenticator;
  settings.http01_port = o.http01_port;
  settings.http01_address = o.http01_address;
  settings.reuse_key = o.reuse_key;
  settings.pre_hook = o.pre_hook;
  settings.post_hook = o.post_hook;
  settings.deploy_hook = o.deploy_hook;
  settings.nginx = o.nginx;
  settings.apache = o.apache;
  settings.order = o.order;
  if (csr && (!o.pkcs12.path.empty() || !o.pkcs12.password_file.empty()))
    throw UsageError("--pkcs12-path needs a lineage; it cannot go with --csr");
  settings.pkcs12 = ResolvePkcs12Settings(services.fs, o.pkcs12);
  settings.autorenew = o.autorenew;
  settings.allow_subset_of_names = o.allow_subset_of_names;
  if (o.authenticator == "nginx") ValidateNginxOptions(o.nginx);
  if (o.authenticator == "apache") ValidateApacheOptions(o.apache);
  std::optional<storage::LivePaths> csr_out;
  if (csr) csr_out = CsrOutputPaths(o, services.fs);
  // Fleet mode (issue #17): the lineage is published to the fleet, under
  // its fleet lock, before it is committed here (fleet_session.h says why).
  // A dry run saves nothing, so it leaves the fleet alone.
  std::unique_ptr<FleetSession> fleet;
  if (o.fleet.enabled() && !o.dry_run) {
    if (csr)
      throw UsageError(
          "--csr writes files, not a lineage: it cannot go with --fleet-*");
    fleet = std::make_unique<FleetSession>(o.fleet, services);
  }
  RunContext ctx(common, services);  // validates the server URL, takes the lock
  SolverEnvironment solver_env = SolverEnvironmentFor(ctx, services);
  // Fleet mode: http-01 answered by every node's agent (issue #17).
  if (fleet)
    solver_env.fleet_http01 =
        fleet->Http01Solver(solver_env.make_self_check_http);
  SolverSet solvers(std::move(solver_env));
  solvers.Check(settings);

  std::optional<Registration> registration =
      o.dry_run ? DryRunRegistration(ctx.accounts(), o.common.ServerUrl(), "",
                                     settings.server)
                : std::nullopt;
  // Fleet mode: a node with no account for the CA takes the fleet's.
  if (fleet && !registration) {
    const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
    AdoptFleetAccount({fleet->etcd(), o.fleet.prefix, fleet->keys()},
                      ctx.accounts(), common.ServerUrl());
  }
  if (!registration)
    registration =
        PrepareRegistration(common, ctx.accounts(), services.prompter);

  std::string name;
  std::optional<sys::FileLock> lineage_lock;  // held until the run ends
  if (!csr) {
    name = ChooseLineage(o, ctx, services.prompter, ids);
    if (lineage) *lineage = name;
    lineage_lock.emplace(ctx.LockLineage(name));
    if (fleet) {
      const std::string holder =
          fleet->Lock(name, std::chrono::seconds(o.common.lock_wait_seconds));
      if (!holder.empty())
        throw Error("certificate " + name + " is being renewed by node " +
                    holder +
                    " (it holds the lineage's fleet lock); try again later, "
                    "or pass --lock-wait SECONDS to wait for it");
    }
    // certbot's dry run orders whether or not the lineage is due.
    if (ctx.lineages().CurrentVersion(name)) {
      LineageInfo info = InspectLineage(ctx, name);
      // A keystore set up earlier stays unless another is asked for.
      if (!settings.pkcs12.enabled() && info.problem.empty())
        settings.pkcs12 = info.settings.pkcs12;
      if (!o.force_renewal && !o.dry_run && info.problem.empty() &&
          Sorted(info.domains) == SortedNames(ids) &&
          services.clock.Now() < info.renew_after) {
        if (o.pkcs12.enabled())
          return AddKeystore(o, ctx, services, name, settings.pkcs12);
        services.out << "Certificate " << name
                     << " is not yet due for renewal (renews after "
                     << FormatRfc3339(info.renew_after) << "); nothing to do.\n"
                     << "Pass --force-renewal to replace it anyway.\n";
        return 0;
      }
    }
    if (ctx.lineages().CurrentVersion(name) && !o.dry_run)
      CheckServerSwitch(name, ReadRenewalConf(ctx, name).server,
                        settings.server, o.break_my_certs);
  }

  std::unique_ptr<http::HttpClient> http = services.make_http(common);
  acme::Client client(*http, services.clock, settings.server);
  // The directory and a nonce from the run before, if it was recent.
  CaSessionCache session(ctx.fs(), ctx.layout(), services.clock, client);
  {
    const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
    settings.account_id =
        UseAccount(client, common, ctx.accounts(), registration);
    // One just registered is offered to the fleet; a lost race switches
    // to the winner's.
    if (fleet && registration)
      settings.account_id =
          ShareAccount({fleet->etcd(), o.fleet.prefix, fleet->keys()},
                       ctx.accounts(), common.ServerUrl(), settings.account_id,
                       &client)
              .id;
  }

  Hooks hooks(services.runner, ctx.fs(), ctx.layout(), o.directory_hooks);
  std::vector<std::string> pre, post, deploy;
  AddHook(pre, o.pre_hook);
  AddHook(post, o.post_hook);
  AddHook(deploy, o.deploy_hook);
  int hook_failures = hooks.RunPre(pre);

  std::optional<IssueResult> result;
  try {
    solvers.Prepare(settings);
    if (csr) {
      log::Info("Requesting a certificate for " + Join(NamesOf(ids), ", ") +
                " (from the CSR)");
      issuance::ObtainResult got = ObtainCertificate(
          ctx, client, solvers, ids, settings, std::nullopt, *csr, "");
      if (o.dry_run) {
        hook_failures += hooks.RunPost(post, NamesOf(ids), {});
        ReportDryRun(o, services, NamesOf(ids), {}, settings.server);
        return hook_failures ? 1 : 0;
      }
      WriteCsrOutputs(services.fs, *csr_out, got);
      hook_failures += hooks.RunPost(post, NamesOf(ids), {});
      if (!o.common.quiet)
        services.out << "Successfully received certificate.\n"
                     << "Certificate is saved at: " << csr_out->cert << "\n"
                     << "Intermediate CA chain is saved at: " << csr_out->chain
                     << "\n"
                     << "Full certificate chain is saved at: "
                     << csr_out->fullchain << "\n";
      return hook_failures ? 1 : 0;
    }
    IssueRequest req{name, ids, settings, o.dry_run, "", o.new_key, true, {}};
    int64_t published = 0;  // the fleet version, once published
    if (fleet)
      req.before_commit = [&](const storage::CertificateFiles& files,
                              const std::string& conf) {
        published = fleet->Publish(name, files, conf);
        log::Info("published " + name + " to the fleet as version " +
                  std::to_string(published));
      };
    result = IssueIntoLineage(ctx, client, solvers, req);
    ids = result->identifiers;
    // A dry run deploys nothing; --run-deploy-hooks runs the deploy hooks
    // on the lineage's current certificate, when there is one.
    if (!o.dry_run ||
        (o.run_deploy_hooks && ctx.lineages().CurrentVersion(name)))
      hook_failures +=
          hooks.RunDeploy(deploy, ctx.layout().live_dir(name), NamesOf(ids));
    // This node serves the version it published (as an agent records after
    // materializing one): `fleet status` must not show it lagging.
    if (fleet && published > 0)
      fleet->RecordOwnDeployment(name, published,
                                 result->certificate.SerialHex());
    hook_failures += hooks.RunPost(post, NamesOf(ids), {});
  } catch (const Error&) {
    hooks.RunPost(post, {}, NamesOf(ids));
    throw;
  }

  if (o.dry_run) {
    ReportDryRun(o, services, NamesOf(ids), result->dropped, settings.server);
    return hook_failures ? 1 : 0;
  }
  if (!o.common.quiet)
    services.out << "Successfully received certificate.\n"
                 << "Certificate is saved at: " << result->paths.fullchain
                 << "\n"
                 << "Key is saved at:         " << result->paths.privkey << "\n"
                 << (settings.pkcs12.enabled() ? "Keystore is saved at:    " +
                                                     settings.pkcs12.path + "\n"
                                               : "")
                 << "This certificate expires on "
                 << FormatRfc3339(result->certificate.NotAfter()) << ".\n";
  if (hook_failures) {
    log::Error(std::to_string(hook_failures) +
               " hook(s) failed; the certificate is installed");
    return 1;
  }
  return 0;
}

}  // namespace certpilot::app
