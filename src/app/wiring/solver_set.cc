#include "app/wiring/solver_set.h"

#include "app/rules/challenge_choice.h"
#include "dns_providers/providers.h"
#include "http/curl_http_client.h"
#include "solvers/dns_types.h"
#include "solvers/ldns_dns_client.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

namespace {

// The --dns-resolver client (polls, CNAME chains); nullptr when none given.
std::unique_ptr<solvers::DnsClient> ResolverClient(const std::string& address) {
  if (address.empty()) return nullptr;
  solvers::LdnsDnsClientOptions c;
  c.server = solvers::ParseDnsServerAddress(address);
  return std::make_unique<solvers::LdnsDnsClient>(c);
}

}  // namespace

SolverEnvironment SolverEnvironmentFor(RunContext& ctx, Services& services) {
  SolverEnvironment env;
  env.fs = &ctx.fs();
  env.runner = &services.runner;
  env.clock = &ctx.clock();
  env.prompter = &services.prompter;
  env.work_dir = ctx.layout().work_dir;
  env.ca_bundle = ctx.ca_bundle();
  env.lock_nginx = [&ctx] { return ctx.Lock(SharedResource::kNginx); };
  env.lock_apache = [&ctx] { return ctx.Lock(SharedResource::kApache); };
  env.lock_port = [&ctx](int port) { return ctx.LockPort(port); };
  env.make_self_check_http = [] {
    http::CurlOptions o;
    o.https_only = false;  // the self-check asks the server on the HTTP port
    o.connect_timeout = std::chrono::seconds(5);
    o.total_timeout = std::chrono::seconds(10);
    o.user_agent = "certpilot/" CERTPILOT_VERSION " (nginx self-check)";
    return std::make_unique<http::CurlHttpClient>(o);
  };
  return env;
}

void SolverSet::Check(const RenewalSettings& s) const {
  ChallengeTypesFor(s.authenticator, s.challenges.preferred);
  if (!s.challenges.dns_resolver.empty())
    solvers::ParseDnsServerAddress(s.challenges.dns_resolver);
  if (s.authenticator == "webroot" && s.challenges.webroot_map.empty())
    throw UsageError(
        "the webroot authenticator needs a webroot: pass -w PATH before -d");
  if (s.authenticator == "webroot")
    for (const auto& [name, root] : s.challenges.webroot_map)
      if (!env_.fs->IsDir(root))
        throw UsageError(
            "webroot " + StripControl(root) + " (for " + name +
            ") is not an existing directory: -w must name the directory the "
            "web server serves the site from");
  if (s.authenticator == "manual")
    solvers::ValidateManualOptions(
        ManualOptionsFor(s), env_.prompter && env_.prompter->interactive());
  if (s.authenticator == "dns-rfc2136") {
    if (s.challenges.dns_rfc2136_credentials.empty())
      throw UsageError(
          "the dns-rfc2136 authenticator needs --dns-rfc2136-credentials FILE");
    solvers::LoadRfc2136Credentials(*env_.fs,
                                    s.challenges.dns_rfc2136_credentials);
  }
  if (const dns_providers::ProviderInfo* p =
          dns_providers::FindProvider(s.authenticator)) {
    auto it = s.challenges.dns_provider_credentials.find(p->name);
    const std::string path =
        it == s.challenges.dns_provider_credentials.end() ? "" : it->second;
    if (path.empty() && !p->credentials_optional)
      throw UsageError("the " + s.authenticator + " authenticator needs --" +
                       s.authenticator + "-credentials FILE");
    http::CurlHttpClient unused{http::CurlOptions{}};  // never used: no I/O
    p->make(*env_.fs, path, unused);
  }
}

void SolverSet::Prepare(const RenewalSettings& s) {
  Check(s);
  // Fleet mode: the agents serve nginx's challenges too (install --nginx
  // pointed this node's blocks at its agent); this node's nginx is left as
  // it is.
  if (s.authenticator == "nginx" && !env_.fleet_http01) PrepareNginx(s);
  if (s.authenticator == "apache") PrepareApache(s);
  if (s.authenticator == "standalone")
    PrepareStandalone(
        s, ChallengeTypesFor(s.authenticator, s.challenges.preferred));
  if (s.authenticator == "dns-rfc2136") PrepareRfc2136(s);
  if (dns_providers::FindProvider(s.authenticator)) PrepareProvider(s);
}

SolverSet::ProviderKey SolverSet::ProviderKeyFor(const RenewalSettings& s) {
  auto it = s.challenges.dns_provider_credentials.find(
      s.authenticator.substr(std::string_view("dns-").size()));
  return {s.authenticator,
          it == s.challenges.dns_provider_credentials.end() ? "" : it->second,
          s.challenges.dns_propagation_seconds, s.challenges.dns_resolver,
          s.challenges.dns_cname_delegation};
}

void SolverSet::PrepareProvider(const RenewalSettings& s) {
  const ProviderKey key = ProviderKeyFor(s);
  if (providers_.count(key)) return;
  const dns_providers::ProviderInfo& info =
      *dns_providers::FindProvider(s.authenticator);
  Provider entry;
  http::CurlOptions http;
  http.https_only = info.https_only;
  // The run's trust store (--ca-bundle): an API proxy's or a test fake's CA.
  http.ca_bundle = env_.ca_bundle;
  http.connect_timeout = std::chrono::seconds(10);
  http.total_timeout = std::chrono::seconds(60);
  http.user_agent = "certpilot/" CERTPILOT_VERSION " (dns-" + info.name + ")";
  entry.http = std::make_unique<http::CurlHttpClient>(http);
  entry.provider = info.make(*env_.fs, std::get<1>(key), *entry.http);
  entry.resolver = ResolverClient(s.challenges.dns_resolver);
  solvers::DnsProviderSolverOptions o;
  o.label = info.title;
  o.poll_server = entry.resolver.get();
  // Propagation is checked at the zone's authoritative servers, found
  // through --dns-resolver.
  o.connect = [](const solvers::DnsServerAddress& server)
      -> std::unique_ptr<solvers::DnsClient> {
    solvers::LdnsDnsClientOptions c;
    c.server = server;
    return std::make_unique<solvers::LdnsDnsClient>(c);
  };
  o.fixed_wait = std::chrono::seconds(s.challenges.dns_propagation_seconds);
  o.follow_cname = s.challenges.dns_cname_delegation;
  o.cname_resolver = entry.resolver.get();
  entry.solver = std::make_unique<solvers::DnsProviderSolver>(*entry.provider,
                                                              *env_.clock, o);
  providers_.emplace(key, std::move(entry));
}

void SolverSet::PrepareNginx(const RenewalSettings& s) {
  NginxKey key{s.nginx.server_root, s.nginx.ctl, s.http01_port};
  if (nginx_.count(key)) return;
  if (!nginx_.empty())
    throw UsageError(
        "one certpilot run authenticates through one nginx; renew the lineages "
        "of " +
        s.nginx.server_root + " separately (--cert-name)");
  nginx_.emplace(key, NginxAuthenticator::Start(env_, s));
}

void SolverSet::PrepareApache(const RenewalSettings& s) {
  const ApacheKey key = ApacheKeyFor(s);
  if (apache_.count(key)) return;
  if (!apache_.empty())
    throw UsageError(
        "one certpilot run authenticates through one Apache; renew the "
        "lineages of " +
        s.apache.server_root + " separately (--cert-name)");
  apache_.emplace(key, ApacheAuthenticator::Start(env_, s));
}

SolverSet::ApacheKey SolverSet::ApacheKeyFor(const RenewalSettings& s) {
  return {s.apache.server_root, s.apache.ctl, s.apache.challenge_location,
          s.http01_port};
}

template <typename Options, typename Responder, typename Solver>
void SolverSet::StartOnce(
    std::map<Endpoint, Responding<Responder, Solver>>& running,
    const Endpoint& at) {
  if (running.count(at)) return;
  Options o;
  o.address = at.first;
  o.port = at.second;
  Responding<Responder, Solver> entry;
  if (env_.lock_port) entry.lock.emplace(env_.lock_port(at.second));
  entry.responder = std::make_unique<Responder>(o);
  entry.responder->Start();
  entry.solver = std::make_unique<Solver>(*entry.responder);
  running.emplace(at, std::move(entry));
}

void SolverSet::PrepareStandalone(const RenewalSettings& s,
                                  const std::vector<std::string>& types) {
  for (const std::string& type : types) {
    if (type == "http-01" && env_.fleet_http01) continue;  // the agents serve
    if (type == "http-01")
      StartOnce<solvers::Http01ResponderOptions>(
          standalone_, {s.http01_address, s.http01_port});
    else if (type == "tls-alpn-01")
      StartOnce<solvers::TlsAlpnResponderOptions>(
          tls_alpn_,
          {s.challenges.tls_alpn01_address, s.challenges.tls_alpn01_port});
  }
}

SolverSet::Rfc2136Key SolverSet::Rfc2136KeyFor(const RenewalSettings& s) {
  return {s.challenges.dns_rfc2136_credentials,
          s.challenges.dns_propagation_seconds, s.challenges.dns_resolver,
          s.challenges.dns_cname_delegation};
}

void SolverSet::PrepareRfc2136(const RenewalSettings& s) {
  const std::string& path = s.challenges.dns_rfc2136_credentials;
  const Rfc2136Key key = Rfc2136KeyFor(s);
  if (rfc2136_.count(key)) return;
  solvers::Rfc2136Credentials credentials =
      solvers::LoadRfc2136Credentials(*env_.fs, path);
  solvers::Rfc2136Options o;
  o.extra_wait = std::chrono::seconds(s.challenges.dns_propagation_seconds);
  o.follow_cname = s.challenges.dns_cname_delegation;
  Rfc2136 entry;
  entry.cname_resolver = ResolverClient(s.challenges.dns_resolver);
  o.cname_resolver = entry.cname_resolver.get();
  entry.client = solvers::MakeRfc2136Client(credentials);
  entry.solver =
      std::make_unique<solvers::Rfc2136Solver>(*entry.client, *env_.clock, o);
  rfc2136_.emplace(key, std::move(entry));
}

solvers::ManualOptions SolverSet::ManualOptionsFor(
    const RenewalSettings& s) const {
  solvers::ManualOptions o;
  o.auth_hook = s.challenges.manual_auth_hook;
  o.cleanup_hook = s.challenges.manual_cleanup_hook;
  o.follow_cname = s.challenges.dns_cname_delegation;
  o.dns_propagation.fixed_wait =
      std::chrono::seconds(s.challenges.dns_propagation_seconds);
  return o;
}

issuance::ChallengeSolver* SolverSet::Shared(const RenewalSettings& s,
                                             const std::string& type) {
  if (s.authenticator == "nginx" && env_.fleet_http01) {
    return env_.fleet_http01;
  } else if (s.authenticator == "nginx") {
    auto it = nginx_.find({s.nginx.server_root, s.nginx.ctl, s.http01_port});
    if (it != nginx_.end()) return it->second->solver();
  } else if (s.authenticator == "apache") {
    auto it = apache_.find(ApacheKeyFor(s));
    if (it != apache_.end()) return it->second->solver();
  } else if (s.authenticator == "dns-rfc2136") {
    auto it = rfc2136_.find(Rfc2136KeyFor(s));
    if (it != rfc2136_.end()) return it->second.solver.get();
  } else if (dns_providers::FindProvider(s.authenticator)) {
    auto it = providers_.find(ProviderKeyFor(s));
    if (it != providers_.end()) return it->second.solver.get();
  } else if (type == "tls-alpn-01") {
    auto it = tls_alpn_.find(
        {s.challenges.tls_alpn01_address, s.challenges.tls_alpn01_port});
    if (it != tls_alpn_.end()) return it->second.solver.get();
  } else if (env_.fleet_http01) {
    return env_.fleet_http01;
  } else {
    auto it = standalone_.find({s.http01_address, s.http01_port});
    if (it != standalone_.end()) return it->second.solver.get();
  }
  throw Error("internal: solvers not prepared for " + s.authenticator);
}

SolverLease SolverSet::For(const RenewalSettings& s) {
  SolverLease lease;
  for (const std::string& type :
       ChallengeTypesFor(s.authenticator, s.challenges.preferred)) {
    if (s.authenticator == "webroot") {
      lease.webroot =
          std::make_unique<solvers::WebrootSolver>(s.challenges.webroot_map);
      lease.solvers.push_back(lease.webroot.get());
    } else if (s.authenticator == "manual") {
      if (!lease.manual) {
        solvers::ManualOptions o = ManualOptionsFor(s);
        lease.resolver = ResolverClient(s.challenges.dns_resolver);
        o.dns_propagation.resolver = lease.resolver.get();
        o.cname_resolver = lease.resolver.get();
        solvers::ManualPrompt prompt;
        if (env_.prompter && env_.prompter->interactive())
          prompt = [p = env_.prompter](const std::string& instructions) {
            return p->Ask(instructions + "\nPress Enter to continue")
                .has_value();
          };
        lease.manual = std::make_unique<solvers::ManualSolver>(
            o, *env_.runner, *env_.clock, std::move(prompt));
      }
      lease.solvers.push_back(type == "dns-01" ? &lease.manual->Dns01()
                                               : &lease.manual->Http01());
    } else {
      lease.solvers.push_back(Shared(s, type));
    }
  }
  return lease;
}

void SolverSet::Stop() {
  for (auto& [at, entry] : standalone_) entry.responder->Stop();
  for (auto& [at, entry] : tls_alpn_) entry.responder->Stop();
}

}  // namespace certpilot::app
