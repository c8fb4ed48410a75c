#include "app/certonly.h"

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "acme/client.h"
#include "acme/identifier.h"
#include "app/account_setup.h"
#include "app/challenge_choice.h"
#include "app/hooks.h"
#include "app/issue.h"
#include "app/key_options.h"
#include "app/lineage_info.h"
#include "app/nginx_setup.h"
#include "app/renewal_settings.h"
#include "app/run_context.h"
#include "app/solver_set.h"
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

// The lineage to write: the named one, an existing one with exactly these
// names (certbot's behaviour), or a new one.
std::string ChooseLineage(const CertonlyOptions& o, RunContext& ctx,
                          const std::vector<acme::Identifier>& ids) {
  if (!o.cert_name.empty()) return o.cert_name;
  std::vector<std::string> want = SortedNames(ids);
  for (const std::string& existing : ctx.lineages().ListNames()) {
    LineageInfo info = InspectLineage(ctx, existing, InspectDepth::kCertificate);
    if (info.problem.empty() && Sorted(info.domains) == want) return existing;
  }
  return ctx.lineages().AvailableName(DefaultLineageName(ids));
}

// The challenge settings the options ask for, with paths made absolute
// (renewal runs from a timer, in another directory). -w/--webroot-map may
// add names to `domains`.
ChallengeSettings ResolveChallengeSettings(const CertonlyOptions& o,
                                           std::vector<std::string>& domains) {
  ValidateAuthenticator(o.authenticator);
  ChallengeSettings c = o.challenges;
  c.preferred = NormalizeChallengeTypes(o.challenges.preferred);
  const bool webroot_args = !o.webroot_paths.empty() || !o.webroot_map_json.empty();
  if (o.authenticator == "webroot") {
    std::vector<WebrootPathArg> paths = o.webroot_paths;
    for (WebrootPathArg& p : paths)
      if (!p.path.empty()) p.path = std::filesystem::absolute(p.path).lexically_normal();
    c.webroot_map = ResolveWebrootMap(domains, paths, o.webroot_map_json);
  } else if (webroot_args) {
    throw UsageError("--webroot-path and --webroot-map need the webroot authenticator "
                     "(--webroot)");
  }
  if (!c.dns_rfc2136_credentials.empty())
    c.dns_rfc2136_credentials = std::filesystem::absolute(c.dns_rfc2136_credentials);
  if (c.tls_alpn01_port < 1 || c.tls_alpn01_port > 65535)
    throw UsageError("--tls-alpn-01-port must be between 1 and 65535");
  if (c.dns_propagation_seconds < 0 || c.dns_propagation_seconds > 86400)
    throw UsageError("--dns-propagation-seconds must be between 0 and 86400");
  return c;
}

}  // namespace

int Certonly(const CertonlyOptions& o, Services& services, std::string* lineage) {
  // --- every input check before any network or file work ---
  std::vector<std::string> domains = o.domains;
  RenewalSettings settings;
  settings.challenges = ResolveChallengeSettings(o, domains);
  if (domains.empty())
    throw UsageError("no domain names given: pass -d example.com (repeatable)");
  std::vector<acme::Identifier> ids = acme::ParseIdentifierInputs(domains);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  settings.key_spec = ParseKeySpec(o.key_type, o.rsa_key_size, o.elliptic_curve);
  CheckIdentifiersProvable(ids, ChallengeTypesFor(o.authenticator, settings.challenges.preferred));
  if (o.http01_port < 1 || o.http01_port > 65535)
    throw UsageError("--http-01-port must be between 1 and 65535");
  settings.server = o.common.ServerUrl();
  settings.authenticator = o.authenticator;
  settings.http01_port = o.http01_port;
  settings.http01_address = o.http01_address;
  settings.reuse_key = o.reuse_key;
  settings.pre_hook = o.pre_hook;
  settings.post_hook = o.post_hook;
  settings.deploy_hook = o.deploy_hook;
  settings.nginx = o.nginx;
  if (o.authenticator == "nginx") ValidateNginxOptions(o.nginx);
  RunContext ctx(o.common, services);  // validates the server URL, takes the lock
  SolverSet solvers(SolverEnvironmentFor(ctx, services));
  solvers.Check(settings);

  std::optional<Registration> registration =
      PrepareRegistration(o.common, ctx.accounts(), services.prompter);

  std::string name = ChooseLineage(o, ctx, ids);
  if (lineage) *lineage = name;
  if (ctx.lineages().CurrentVersion(name) && !o.force_renewal) {
    LineageInfo info = InspectLineage(ctx, name);
    if (info.problem.empty() && Sorted(info.domains) == SortedNames(ids) &&
        services.clock.Now() < info.renew_after) {
      services.out << "Certificate " << name << " is not yet due for renewal (renews after "
                   << FormatRfc3339(info.renew_after) << "); nothing to do.\n"
                   << "Pass --force-renewal to replace it anyway.\n";
      return 0;
    }
  }

  std::unique_ptr<http::HttpClient> http = services.make_http(o.common);
  acme::Client client(*http, services.clock, settings.server);
  settings.account_id = UseAccount(client, o.common, ctx.accounts(), registration);

  Hooks hooks(services.runner, ctx.fs(), ctx.layout());
  std::vector<std::string> pre, post, deploy;
  AddHook(pre, o.pre_hook);
  AddHook(post, o.post_hook);
  AddHook(deploy, o.deploy_hook);
  int hook_failures = hooks.RunPre(pre);

  std::optional<IssueResult> result;
  std::string error;
  try {
    solvers.Prepare(settings);
    std::vector<std::string> names;
    for (const auto& id : ids) names.push_back(id.value);
    log::Info("Requesting a certificate for " + Join(names, ", "));
    result = IssueIntoLineage(ctx, client, solvers, {name, ids, settings, false, ""});
    hook_failures += hooks.RunDeploy(deploy, ctx.layout().live_dir(name), names);
    hook_failures += hooks.RunPost(post, names, {});
  } catch (const Error&) {
    std::vector<std::string> names;
    for (const auto& id : ids) names.push_back(id.value);
    hooks.RunPost(post, {}, names);
    throw;
  }

  if (!o.common.quiet)
    services.out << "Successfully received certificate.\n"
               << "Certificate is saved at: " << result->paths.fullchain << "\n"
               << "Key is saved at:         " << result->paths.privkey << "\n"
               << "This certificate expires on "
               << FormatRfc3339(result->certificate.NotAfter()) << ".\n";
  if (hook_failures) {
    log::Error(std::to_string(hook_failures) + " hook(s) failed; the certificate is installed");
    return 1;
  }
  return 0;
}

}  // namespace certpilot::app
