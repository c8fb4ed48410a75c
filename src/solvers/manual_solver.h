// The manual authenticator (`--manual`): the person, or their hook scripts,
// put the HTTP-01 file or the DNS-01 TXT record in place. Compatible with
// certbot's --manual-auth-hook / --manual-cleanup-hook.
//
// Hooks run as `/bin/sh -c HOOK` through sys::ProcessRunner. Data reaches
// them only through the environment, under certbot's names and again with a
// CERTPILOT_ prefix:
//   CERTBOT_DOMAIN                the authorization's identifier (example.com
//                                 for *.example.com, as certbot does)
//   CERTBOT_VALIDATION            http-01: the key authorization;
//                                 dns-01: the TXT value (base64url SHA-256)
//   CERTBOT_TOKEN                 http-01 only (unset for dns-01)
//   CERTBOT_REMAINING_CHALLENGES  how many challenges follow this one
//   CERTBOT_ALL_DOMAINS           the identifiers of all challenges, comma-
//                                 separated, in order
//   CERTBOT_AUTH_OUTPUT           cleanup only: the auth hook's stdout,
//                                 trailing whitespace trimmed
// and, certpilot's own, for dns-01 only:
//   CERTPILOT_DNS_RECORD_NAME     where the TXT record goes, without the
//                                 trailing dot: _acme-challenge.DOMAIN, or
//                                 the end of its CNAME chain (CNAME
//                                 delegation, dns_cname.h). certbot's hooks
//                                 that build _acme-challenge.$CERTBOT_DOMAIN
//                                 themselves keep working where no CNAME is.
//
// Order (as certbot): Present only records the challenge; the first Wait of
// an order runs the auth hook for every recorded challenge, in Present order
// (that is when CERTBOT_REMAINING_CHALLENGES and CERTBOT_ALL_DOMAINS are
// known), then waits for DNS propagation when asked to. issuance::Obtain
// calls every Present, then every Wait, and answers no challenge before all
// Waits returned — so all auth hooks run before the CA is told to look.
// CleanUp runs the cleanup hook for every challenge whose auth step was
// started (also when it, another hook, or validation failed).
//
// Without an auth hook, Wait shows the person the instructions for each
// challenge through the prompt callback and waits for them to confirm.
// Refusing that in a non-interactive run is the caller's job
// (ValidateManualOptions).
//
// One ManualSolver serves one order (one Obtain call): make a new one per
// order. Its two faces, Http01() and Dns01(), share the order's state so
// that a mixed order counts its challenges together.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "issuance/challenge_solver.h"
#include "solvers/dns_propagation.h"
#include "sys/process_runner.h"
#include "util/clock.h"

namespace certpilot::solvers {

// Shows `instructions` to the person and returns once they pressed Enter
// (true) — or false if they cannot answer (EOF), which aborts the order.
using ManualPrompt = std::function<bool(const std::string& instructions)>;

struct ManualOptions {
  std::string auth_hook;     // --manual-auth-hook; "" = ask the person
  std::string cleanup_hook;  // --manual-cleanup-hook; "" = none
  // Each hook run; a hook that takes longer is killed and counts as failed.
  std::chrono::milliseconds hook_timeout = std::chrono::minutes(10);
  // dns-01 only, after every auth hook: --dns-resolver /
  // --dns-propagation-seconds. By default nothing: the hook is responsible
  // for the record being visible when it exits, as in certbot.
  DnsPropagationOptions dns_propagation;
  // dns-01: follow the CNAME chain of _acme-challenge.NAME by asking this
  // server (--dns-resolver; not owned). nullptr, or follow_cname off: the
  // record name is _acme-challenge.NAME — with no server given, certpilot
  // asks none rather than the system's resolver behind the user's back.
  DnsClient* cname_resolver = nullptr;
  bool follow_cname = true;
};

// Throws UsageError when the options cannot work: no auth hook in a
// non-interactive run ("-n" or no terminal).
void ValidateManualOptions(const ManualOptions& options, bool interactive);

// The environment a hook gets for one challenge (both name sets). Exposed
// for tests and for `--dry-run` style displays.
// `dns_record_name` is CERTPILOT_DNS_RECORD_NAME (dns-01 only; "" = unset).
std::map<std::string, std::string> ManualHookEnvironment(
    const issuance::ChallengeTask& task, const std::string& validation,
    int remaining, const std::string& all_domains,
    const std::string& dns_record_name = "");

class ManualSolver {
 public:
  // `runner` and `clock` must outlive the solver. `prompt` is required when
  // options.auth_hook is empty (throws UsageError otherwise).
  ManualSolver(ManualOptions options, sys::ProcessRunner& runner, Clock& clock,
               ManualPrompt prompt = {});
  ~ManualSolver();
  ManualSolver(const ManualSolver&) = delete;
  ManualSolver& operator=(const ManualSolver&) = delete;

  // The faces to put in ObtainRequest::solvers, in the preferred order.
  issuance::ChallengeSolver& Http01();
  issuance::ChallengeSolver& Dns01();

 private:
  class Face;
  struct Entry {
    issuance::ChallengeTask task;
    std::string validation;
    std::string record_name;  // dns-01: where the TXT record goes
    bool started = false;     // the auth step ran (or was attempted)
    std::map<std::string, std::string> env;
    std::string auth_output;
  };

  void Present(const issuance::ChallengeTask& task);
  void Wait();
  void CleanUp(const issuance::ChallengeTask& task) noexcept;
  void RunAuthHook(Entry& e);
  void Prompt(const Entry& e, size_t index, size_t count);

  ManualOptions options_;
  sys::ProcessRunner& runner_;
  Clock& clock_;
  ManualPrompt prompt_;
  std::unique_ptr<Face> http01_;
  std::unique_ptr<Face> dns01_;
  std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace certpilot::solvers
