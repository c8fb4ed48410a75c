// The challenge solvers a run needs, built from lineages' settings.
//
// What can be shared is shared for the whole run, however many orders run in
// parallel: one standalone HTTP-01 responder per (address, port) (one server
// with a token map), one TLS-ALPN-01 responder per (address,
// port), one RFC 2136 solver per credentials file, one nginx authenticator
// (app/wiring/nginx_authenticator.h). What belongs to one order — a webroot
// map, the manual authenticator's hook sequence, a --dns-resolver client — is
// made per order by For() and lives in the returned SolverLease.
//
// Prepare() checks a lineage's settings and starts what it needs, on the
// main thread, before workers start; For() is then safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "app/wiring/apache_authenticator.h"
#include "app/wiring/nginx_authenticator.h"
#include "app/wiring/prompter.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "app/wiring/services.h"
#include "http/http_client.h"
#include "issuance/challenge_solver.h"
#include "solvers/dns_client.h"
#include "solvers/dns_provider.h"
#include "solvers/dns_provider_solver.h"
#include "solvers/http01_responder.h"
#include "solvers/manual_solver.h"
#include "solvers/rfc2136_solver.h"
#include "solvers/standalone_solver.h"
#include "solvers/tls_alpn_solver.h"
#include "solvers/webroot_solver.h"
#include "sys/file_lock.h"

namespace certpilot::app {

// What solvers beyond standalone need from the run: files, processes (nginx,
// manual hooks), the clock, WORK/nginx, a plain-HTTP client for the nginx
// self-check, the person (manual without hooks; nullptr = nobody to ask).
struct SolverEnvironment {
  sys::Filesystem* fs = nullptr;
  sys::ProcessRunner* runner = nullptr;
  Clock* clock = nullptr;
  Prompter* prompter = nullptr;
  std::string work_dir;
  std::function<std::unique_ptr<http::HttpClient>()> make_self_check_http;
  // Takes the nginx lock (RunContext::Lock): the nginx authenticator holds
  // it while it changes the configuration. Unset: no lock (tests).
  std::function<sys::FileLock()> lock_nginx;
  // The same for the Apache authenticator.
  std::function<sys::FileLock()> lock_apache;
  // Takes the lock of a port our standalone responders listen on
  // (RunContext::LockPort), so that two runs — two renews splitting the
  // lineages, a certonly beside a renew — take turns on port 80 instead of
  // one failing to listen. Unset: no lock (tests).
  std::function<sys::FileLock(int port)> lock_port;
  // The run's trust store (--ca-bundle), for the DNS provider APIs: an API
  // proxy's or a test fake's CA. Empty: the system store.
  std::string ca_bundle;
  // Fleet mode (issue #17): the standalone and nginx authenticators' http-01
  // goes through etcd to every node's agent (app/wiring/fleet_http01_solver.h)
  // instead of a responder of this run or this node's nginx (which
  // `install --nginx` in fleet mode points at its agent:
  // nginx/patch/challenge_proxy.h). Owned by the caller; unset: local.
  issuance::ChallengeSolver* fleet_http01 = nullptr;
};

// The real environment of a run: its seams, and libcurl allowing http://.
SolverEnvironment SolverEnvironmentFor(RunContext& ctx, Services& services);

// The solvers of one order, most preferred type first, and the per-order
// objects they use. Keep it alive until the order is done.
struct SolverLease {
  std::vector<issuance::ChallengeSolver*> solvers;
  std::unique_ptr<solvers::WebrootSolver> webroot;
  std::unique_ptr<solvers::DnsClient>
      resolver;  // used by `manual`: declared first
  std::unique_ptr<solvers::ManualSolver> manual;
};

class SolverSet {
 public:
  SolverSet() = default;
  explicit SolverSet(SolverEnvironment env) : env_(std::move(env)) {}
  ~SolverSet() { Stop(); }

  // Throws UsageError for settings that cannot work: an unknown
  // authenticator, a preferred type it cannot answer, a webroot-less
  // lineage, manual without a hook and nobody to ask, a malformed
  // --dns-resolver, missing or unsafe RFC 2136 credentials. Binds and
  // starts nothing (so it can run before the pre-hooks, which may free a
  // port).
  void Check(const RenewalSettings& s) const;
  // Check, then starts what the settings need. Also throws ResponderError
  // when a port cannot be bound.
  void Prepare(const RenewalSettings& s);
  // REQUIRES: Prepare(settings) was called.
  SolverLease For(const RenewalSettings& s);
  // Stops every responder (also done by the destructor).
  void Stop();

 private:
  using Endpoint = std::pair<std::string, int>;
  // A responder of our own and the solver that publishes through it.
  template <typename Responder, typename Solver>
  struct Responding {
    // The port's lock (SolverEnvironment::lock_port): declared first, so it
    // is released after the responder has stopped.
    std::optional<sys::FileLock> lock;
    std::unique_ptr<Responder> responder;
    std::unique_ptr<Solver> solver;
  };
  using Standalone =
      Responding<solvers::Http01Responder, solvers::StandaloneSolver>;
  using TlsAlpn = Responding<solvers::TlsAlpnResponder, solvers::TlsAlpnSolver>;
  struct Rfc2136 {
    std::unique_ptr<solvers::DnsClient> cname_resolver;  // --dns-resolver
    std::unique_ptr<solvers::DnsClient> client;
    std::unique_ptr<solvers::Rfc2136Solver> solver;
  };
  // One nginx per run (WORK/nginx holds one journal): by server root,
  // nginx program and port.
  using NginxKey = std::tuple<std::string, std::string, int>;

  // Starts a responder on `at` unless one runs there already, holding the
  // port's lock while it runs.
  template <typename Options, typename Responder, typename Solver>
  void StartOnce(std::map<Endpoint, Responding<Responder, Solver>>& running,
                 const Endpoint& at);
  void PrepareStandalone(const RenewalSettings& s,
                         const std::vector<std::string>& types);
  void PrepareNginx(const RenewalSettings& s);
  // One Apache per run (WORK/apache holds one journal): by server root,
  // ctl, challenge location and port.
  using ApacheKey = std::tuple<std::string, std::string, std::string, int>;
  static ApacheKey ApacheKeyFor(const RenewalSettings& s);
  void PrepareApache(const RenewalSettings& s);
  void PrepareRfc2136(const RenewalSettings& s);
  solvers::ManualOptions ManualOptionsFor(const RenewalSettings& s) const;
  issuance::ChallengeSolver* Shared(const RenewalSettings& s,
                                    const std::string& type);

  SolverEnvironment env_;
  std::map<Endpoint, Standalone> standalone_;
  std::map<Endpoint, TlsAlpn> tls_alpn_;
  // By credentials, extra wait, --dns-resolver, CNAME delegation.
  using Rfc2136Key = std::tuple<std::string, int, std::string, bool>;
  static Rfc2136Key Rfc2136KeyFor(const RenewalSettings& s);
  std::map<Rfc2136Key, Rfc2136> rfc2136_;
  // A DNS provider (dns_providers/providers.h) and what its solver uses.
  struct Provider {
    std::unique_ptr<solvers::DnsClient> resolver;  // --dns-resolver
    std::unique_ptr<http::HttpClient> http;
    std::unique_ptr<solvers::DnsProvider> provider;
    std::unique_ptr<solvers::DnsProviderSolver> solver;
  };
  // By authenticator, credentials, extra wait, --dns-resolver, CNAME
  // delegation.
  using ProviderKey =
      std::tuple<std::string, std::string, int, std::string, bool>;
  static ProviderKey ProviderKeyFor(const RenewalSettings& s);
  void PrepareProvider(const RenewalSettings& s);
  std::map<ProviderKey, Provider> providers_;
  std::map<NginxKey, std::unique_ptr<NginxAuthenticator>> nginx_;
  std::map<ApacheKey, std::unique_ptr<ApacheAuthenticator>> apache_;
};

}  // namespace certpilot::app
