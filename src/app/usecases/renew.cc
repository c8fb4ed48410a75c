#include "app/usecases/renew.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

#include "acme/client.h"
#include "acme/identifier.h"
#include "app/rules/challenge_choice.h"
#include "app/rules/key_options.h"
#include "app/types/json_text.h"
#include "app/types/results.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/hooks.h"
#include "app/wiring/issue.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/nginx_setup.h"
#include "app/wiring/run_context.h"
#include "app/wiring/solver_set.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// RFC 9773 §4.3: without a Retry-After, ask again within a day; never
// hammer the CA, never wait longer than a day.
constexpr std::chrono::hours kAriDefaultRecheck{6};
constexpr std::chrono::hours kAriMinRecheck{1};
constexpr std::chrono::hours kAriMaxRecheck{24};
constexpr int kMaxJobs = 64;

enum class Outcome { kNotDue, kRenewed, kFailed };

struct Candidate {
  std::string name;
  LineageInfo info;
  std::string due_reason;  // "" = not due
  std::string replaces;    // ARI id to send with the new order
  Outcome outcome = Outcome::kNotDue;
  std::string error;
  TimePoint new_expiry{};
};

// certbot's --dry-run: Let's Encrypt's production server is swapped for its
// staging server; any other CA is used as is.
std::string EffectiveServer(const RenewOptions& o, const std::string& server) {
  if (o.dry_run && server == kLetsEncryptProduction) return kLetsEncryptStaging;
  return server;
}

std::vector<acme::Identifier> IdentifiersOf(const LineageInfo& info) {
  return acme::ParseIdentifierInputs(info.domains);
}

// Asks each CA that offers ARI when it wants its certificates renewed, and
// marks the ones whose chosen moment has come. Degrades quietly: a CA without
// renewalInfo, or one that does not answer, leaves the local rule in charge.
void ConsultAri(const RenewOptions& o, Services& services, RunContext& ctx,
                std::vector<Candidate>& candidates) {
  std::map<std::string, std::vector<Candidate*>> by_server;
  for (Candidate& c : candidates)
    if (c.info.problem.empty() && !c.info.ari_cert_id.empty())
      by_server[EffectiveServer(o, c.info.settings.server)].push_back(&c);
  const TimePoint now = services.clock.Now();
  for (auto& [server, group] : by_server) {
    try {
      auto http = services.make_http(o.common);
      acme::Client client(*http, services.clock, server);
      if (client.GetDirectory().renewal_info.empty()) continue;
      for (Candidate* c : group) {
        c->replaces = c->info.ari_cert_id;
        std::optional<AriState> state =
            LoadAriState(ctx.fs(), ctx.layout(), c->name);
        if (!state || state->cert_id != c->info.ari_cert_id ||
            now >= state->next_check) {
          std::optional<std::chrono::seconds> retry_after;
          acme::RenewalInfo ri =
              client.GetRenewalInfo(c->info.ari_cert_id, &retry_after);
          AriState fresh;
          fresh.cert_id = c->info.ari_cert_id;
          fresh.window_start = ri.window_start;
          fresh.window_end = ri.window_end;
          bool same_window = state && state->cert_id == fresh.cert_id &&
                             state->window_start == ri.window_start &&
                             state->window_end == ri.window_end;
          // RFC 9773 §4.2: a uniformly random moment inside the window.
          fresh.selected =
              same_window ? state->selected
                          : ri.window_start +
                                std::chrono::duration_cast<TimePoint::duration>(
                                    (ri.window_end - ri.window_start) *
                                    services.random());
          auto wait = std::chrono::duration_cast<TimePoint::duration>(
              retry_after
                  ? std::chrono::duration_cast<std::chrono::hours>(*retry_after)
                  : kAriDefaultRecheck);
          wait = std::clamp<TimePoint::duration>(wait, kAriMinRecheck,
                                                 kAriMaxRecheck);
          if (retry_after && *retry_after < kAriMinRecheck)
            wait = kAriMinRecheck;
          fresh.next_check = now + wait;
          if (!o.dry_run) SaveAriState(ctx.fs(), ctx.layout(), c->name, fresh);
          state = fresh;
        }
        if (c->due_reason.empty() && now >= state->selected)
          c->due_reason = "inside the CA's suggested renewal window (ARI)";
      }
    } catch (const Error& e) {
      log::Debug("renewalInfo from " + StripControl(server) +
                 " unavailable: " + e.what());
    }
  }
}

class Printer {
 public:
  Printer(std::ostream& out, bool quiet) : out_(out), quiet_(quiet) {}
  void Line(const std::string& text) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mu_);
    out_ << text << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  bool quiet_;
  std::mutex mu_;
};

}  // namespace

void ApplyRenewOverrides(const RenewOptions& o,
                         const std::vector<std::string>& domains,
                         RenewalSettings& s) {
  if (o.authenticator) s.authenticator = *o.authenticator;
  if (o.challenges) {
    s.challenges = *o.challenges;
    s.challenges.preferred = NormalizeChallengeTypes(o.challenges->preferred);
    if (s.authenticator == "webroot" &&
        (!o.webroot_paths.empty() || !o.webroot_map_json.empty())) {
      std::vector<std::string> names = domains;
      std::vector<WebrootPathArg> paths;
      for (const WebrootPathArg& p : o.webroot_paths)
        paths.push_back(
            {std::filesystem::absolute(p.path).lexically_normal(), 0});
      s.challenges.webroot_map =
          ResolveWebrootMap(names, paths, o.webroot_map_json);
    }
  }
  if (o.preferred_chain) s.order.preferred_chain = *o.preferred_chain;
  if (o.preferred_profile) s.order.preferred_profile = *o.preferred_profile;
  if (o.required_profile) s.order.required_profile = *o.required_profile;
  if (o.must_staple) s.order.must_staple = *o.must_staple;
  ValidateOrderSettings(s.order);
  if (o.http01_port) s.http01_port = *o.http01_port;
  if (o.http01_address) s.http01_address = *o.http01_address;
  if (o.key_type || o.rsa_key_size || o.elliptic_curve) {
    std::string type = o.key_type.value_or(
        s.key_spec.type == crypto::KeyType::kRsa ? "rsa" : "ecdsa");
    s.key_spec =
        ParseKeySpec(type, o.rsa_key_size.value_or(s.key_spec.rsa_bits),
                     o.elliptic_curve.value_or(s.key_spec.curve));
  }
  if (o.reuse_key) s.reuse_key = *o.reuse_key;
  if (!o.deploy_hook.empty()) s.deploy_hook = o.deploy_hook;
  if (!o.pre_hook.empty()) s.pre_hook = o.pre_hook;
  if (!o.post_hook.empty()) s.post_hook = o.post_hook;
}

int Renew(const RenewOptions& o, Services& services) {
  // --- input checks before any work ---
  if (o.jobs < 1 || o.jobs > kMaxJobs)
    throw UsageError("--jobs must be between 1 and " +
                     std::to_string(kMaxJobs));
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  if (o.http01_port && (*o.http01_port < 1 || *o.http01_port > 65535))
    throw UsageError("--http-01-port must be between 1 and 65535");
  if (o.key_type || o.rsa_key_size || o.elliptic_curve)
    ParseKeySpec(o.key_type.value_or("ecdsa"), o.rsa_key_size.value_or(2048),
                 o.elliptic_curve.value_or("secp256r1"));
  RunContext ctx(o.common, services);

  std::vector<std::string> names;
  if (!o.cert_name.empty()) {
    if (!ctx.fs().Exists(ctx.layout().renewal_conf(o.cert_name)))
      throw UsageError("no certificate named \"" + o.cert_name +
                       "\" (see certpilot certificates)");
    names = {o.cert_name};
  } else {
    names = ctx.lineages().ListNames();
  }

  // Phase 1: read every lineage locally and apply the renewal rule.
  const TimePoint now = services.clock.Now();
  std::vector<Candidate> candidates(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    Candidate& c = candidates[i];
    c.name = names[i];
    c.info = InspectLineage(ctx, c.name, InspectDepth::kCertificate);
    if (!c.info.problem.empty()) {
      c.outcome = Outcome::kFailed;
      c.error = c.info.problem;
      continue;
    }
    try {
      ApplyRenewOverrides(o, c.info.domains, c.info.settings);
      ValidateAuthenticator(c.info.settings.authenticator);
    } catch (const Error& e) {
      c.outcome = Outcome::kFailed;
      c.error = e.what();
      continue;
    }
    if (o.force_renewal)
      c.due_reason = "forced";
    else if (now >= c.info.renew_after)
      c.due_reason = "expires " + FormatRfc3339(c.info.not_after);
  }

  // Phase 2: the CA's own opinion, where it offers one.
  ConsultAri(o, services, ctx, candidates);

  std::vector<Candidate*> due;
  for (Candidate& c : candidates)
    if (c.outcome != Outcome::kFailed && !c.due_reason.empty())
      due.push_back(&c);

  Printer printer(services.out, o.json || o.common.quiet);
  int hook_failures = 0;
  int installer_failures = 0;  // nginx reloads after renewal
  if (!due.empty()) {
    // Phase 3: renew. certbot's random sleep spreads unattended runs; the
    // systemd timer randomises already and passes --no-random-sleep-on-renew.
    if (!o.no_random_sleep && !services.on_terminal && !o.dry_run) {
      auto delay = std::chrono::milliseconds(
          1000 + static_cast<long long>(services.random() * 479'000));
      log::Info("Sleeping " + std::to_string(delay.count() / 1000) +
                " s before renewing (pass --no-random-sleep-on-renew to skip)");
      services.clock.Sleep(delay);
    }
    Hooks hooks(services.runner, ctx.fs(), ctx.layout());
    std::vector<std::string> pre, post;
    for (Candidate* c : due) {
      AddHook(pre, c->info.settings.pre_hook);
      AddHook(post, c->info.settings.post_hook);
    }
    hook_failures += hooks.RunPre(pre);

    SolverSet solvers(SolverEnvironmentFor(ctx, services));
    std::map<std::string, storage::StoredAccount> accounts;
    std::vector<Candidate*> work;
    for (Candidate* c : due) {
      try {
        solvers.Prepare(c->info.settings);
        std::string server = EffectiveServer(o, c->info.settings.server);
        if (!accounts.count(server))
          accounts.emplace(
              server, LoadAccount(ctx, server, c->info.settings.account_id));
        work.push_back(c);
      } catch (const Error& e) {
        c->outcome = Outcome::kFailed;
        c->error = e.what();
        log::Error("renewal of " + c->name +
                   " failed: " + StripControl(c->error));
      }
    }
    const size_t jobs = std::min<size_t>(work.size(), size_t(o.jobs));
    log::Info("Renewing " + std::to_string(work.size()) + " certificate" +
              (work.size() == 1 ? "" : "s") + " with " + std::to_string(jobs) +
              " job" + (jobs == 1 ? "" : "s"));

    std::atomic<size_t> next{0}, finished{0};
    // "[12/37]": how far the run is, on each lineage's line.
    auto progress = [&] {
      return "[" + std::to_string(++finished) + "/" +
             std::to_string(work.size()) + "]";
    };
    std::atomic<int> deploy_failures{0};
    auto worker = [&] {
      std::unique_ptr<http::HttpClient> http = services.make_http(o.common);
      std::map<std::string, std::unique_ptr<acme::Client>> clients;
      for (size_t i = next++; i < work.size(); i = next++) {
        Candidate& c = *work[i];
        try {
          std::string server = EffectiveServer(o, c.info.settings.server);
          auto& client = clients[server];
          if (!client) {
            client =
                std::make_unique<acme::Client>(*http, services.clock, server);
            const storage::StoredAccount& acct = accounts.at(server);
            client->SetAccountKey(acct.key, acct.url);
          }
          IssueRequest req{c.name,          IdentifiersOf(c.info),
                           c.info.settings, o.dry_run,
                           c.replaces,      o.new_key};
          IssueResult res = IssueIntoLineage(ctx, *client, solvers, req);
          c.outcome = Outcome::kRenewed;
          c.new_expiry = res.certificate.NotAfter();
          printer.Line((o.dry_run ? "dry run ok " : "renewed    ") + c.name +
                       " (expires " + FormatRfc3339(c.new_expiry) + ") " +
                       progress());
          if (!o.dry_run) {
            std::vector<std::string> deploy;
            AddHook(deploy, c.info.settings.deploy_hook);
            deploy_failures += hooks.RunDeploy(
                deploy, ctx.layout().live_dir(c.name), c.info.domains);
          }
        } catch (const Error& e) {
          c.outcome = Outcome::kFailed;
          c.error = e.what();
          // Errors go to stderr, where unattended runs' mail and journals
          // look for them; stdout carries results.
          log::Error("renewal of " + c.name +
                     " failed: " + StripControl(c.error) + " " + progress());
        }
      }
    };
    std::vector<std::thread> threads;
    for (size_t t = 1; t < jobs; ++t) threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads) t.join();
    solvers.Stop();
    hook_failures += deploy_failures;
    // Installers re-deploy once per run, after the deploy hooks.
    std::vector<NginxOptions> nginx_lineages;
    for (Candidate* c : due)
      if (!o.dry_run && c->outcome == Outcome::kRenewed &&
          c->info.settings.installer == "nginx")
        nginx_lineages.push_back(c->info.settings.nginx);
    installer_failures = ReloadNginxAfterRenewal(
        services.runner, ctx.fs(), services.clock, nginx_lineages);

    std::vector<std::string> renewed_domains, failed_domains;
    for (Candidate* c : due) {
      auto& list =
          c->outcome == Outcome::kRenewed ? renewed_domains : failed_domains;
      list.insert(list.end(), c->info.domains.begin(), c->info.domains.end());
    }
    hook_failures += hooks.RunPost(post, renewed_domains, failed_domains);
  }

  // Summary.
  RenewReport report;
  report.dry_run = o.dry_run;
  report.hook_failures = hook_failures;
  report.installer_failures = installer_failures;
  for (const Candidate& c : candidates) {
    if (c.outcome == Outcome::kRenewed) {
      report.renewed.push_back({c.name, c.new_expiry});
    } else if (c.outcome == Outcome::kFailed) {
      report.failed.push_back({c.name, StripControl(c.error)});
      // Failures of due lineages were logged as they happened.
      if (c.due_reason.empty() || c.info.problem.size())
        log::Error("cannot renew " + c.name + ": " +
                   report.failed.back().error);
    } else {
      report.not_due.push_back({c.name, c.info.renew_after});
    }
  }
  if (o.json) {
    services.out << RenewReportJson(report) << "\n";
  } else if (!o.common.quiet) {
    for (const RenewReport::NotDue& c : report.not_due)
      log::Debug("not due: " + c.name + " (renews after " +
                 FormatRfc3339(c.renew_after) + ")");
    services.out << report.renewed.size()
                 << (o.dry_run ? " renewed (dry run), " : " renewed, ")
                 << report.not_due.size() << " not due, "
                 << report.failed.size() << " failed"
                 << (hook_failures ? ", " + std::to_string(hook_failures) +
                                         " hook(s) failed"
                                   : "")
                 << (installer_failures ? ", nginx reload failed" : "") << "\n";
  }
  return report.failed.empty() && hook_failures == 0 && installer_failures == 0
             ? 0
             : 1;
}

}  // namespace certpilot::app
