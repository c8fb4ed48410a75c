#include "issuance/obtain.h"

#include <algorithm>
#include <set>

#include "acme/problem.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::issuance {
namespace {

using acme::Authorization;
using acme::Identifier;
using acme::Order;
using acme::Status;

std::string Display(const Identifier& id, bool wildcard) {
  return StripControl((wildcard ? "*." : "") + id.value);
}

// What the order asked for, as "dns:name" / "ip:addr" strings.
std::set<std::string> Keys(const std::vector<Identifier>& ids) {
  std::set<std::string> out;
  for (const Identifier& id : ids)
    out.insert(id.type + ":" + ToLower(id.value));
  return out;
}

struct Presented {
  ChallengeSolver* solver;
  ChallengeTask task;
  std::string authorization_url;
};

// Cleans up every presented challenge when the flow leaves, however it leaves
// (RFC 8555 §8.3).
class CleanupGuard {
 public:
  explicit CleanupGuard(std::vector<Presented>& presented) : p_(presented) {}
  ~CleanupGuard() {
    for (Presented& p : p_) p.solver->CleanUp(p.task);
  }

 private:
  std::vector<Presented>& p_;
};

class Poller {
 public:
  Poller(Clock& clock, const acme::RetryPolicy& policy, std::string what,
         std::chrono::seconds deadline)
      : clock_(clock),
        policy_(policy),
        what_(std::move(what)),
        deadline_(clock.Now() + deadline),
        delay_(policy.poll_initial) {}

  // Sleeps before the next poll; throws when the deadline has passed.
  // A Retry-After from the CA decides this wait (clamped); otherwise the
  // backoff does, growing from RetryPolicy::poll_initial.
  void Wait(std::optional<std::chrono::seconds> retry_after) {
    std::chrono::milliseconds now =
        retry_after ? acme::NextPollDelay(policy_, delay_, retry_after)
                    : delay_;
    if (clock_.Now() + now > deadline_)
      throw Error("timed out waiting for the CA: " + what_);
    clock_.Sleep(now);
    delay_ = acme::NextPollDelay(policy_, delay_, std::nullopt);
  }

 private:
  Clock& clock_;
  const acme::RetryPolicy& policy_;
  std::string what_;
  TimePoint deadline_;
  std::chrono::milliseconds delay_;
};

ChallengeSolver* PickSolver(const ObtainRequest& req,
                            const Authorization& authz,
                            const acme::Challenge** chosen) {
  for (ChallengeSolver* solver : req.solvers)
    for (const acme::Challenge& c : authz.challenges)
      if (c.type == solver->Type() && !c.token.empty()) {
        *chosen = &c;
        return solver;
      }
  return nullptr;
}

std::string OfferedTypes(const Authorization& authz) {
  std::vector<std::string> types;
  for (const acme::Challenge& c : authz.challenges)
    types.push_back(StripControl(c.type));
  return types.empty() ? "none" : Join(types, ", ");
}

std::string SolverTypes(const ObtainRequest& req) {
  std::vector<std::string> types;
  for (ChallengeSolver* s : req.solvers) types.push_back(s->Type());
  return Join(types, ", ");
}

// The name as ordered ("*." back on a wildcard's).
Identifier Ordered(const Identifier& id, bool wildcard) {
  return {id.type, (wildcard ? "*." : "") + id.value};
}

ValidationError ValidationFailure(const Authorization& authz) {
  std::string why;
  for (const acme::Challenge& c : authz.challenges)
    if (!c.error_text.empty()) why = c.error_text;
  if (why.empty())
    why = std::string("authorization is ") + acme::StatusName(authz.status);
  return ValidationError("validation of " +
                             Display(authz.identifier, authz.wildcard) +
                             " failed: " + why,
                         Ordered(authz.identifier, authz.wildcard));
}

// Waits until every authorization has left "pending" and checks it is
// valid. All that are still pending are polled together, one batch a round.
void AwaitAuthorizations(acme::Client& client, Clock& clock,
                         const acme::RetryPolicy& policy,
                         const std::vector<Presented>& presented) {
  std::vector<const Presented*> pending;
  std::vector<std::string> names;
  for (const Presented& p : presented) {
    pending.push_back(&p);
    names.push_back(Display(p.task.identifier, p.task.wildcard));
  }
  if (pending.empty()) return;
  const std::string what = "validation of " + Join(names, ", ");
  log::Info("Waiting for the CA to validate " + Join(names, ", ") + "...");
  Poller poller(clock, policy, what, policy.poll_deadline);
  while (true) {
    std::vector<std::string> urls;
    for (const Presented* p : pending) urls.push_back(p->authorization_url);
    std::vector<std::optional<std::chrono::seconds>> retry_after;
    std::vector<Authorization> authzs =
        client.GetAuthorizations(urls, &retry_after);
    std::vector<const Presented*> still;
    std::optional<std::chrono::seconds> wait;
    for (size_t i = 0; i < authzs.size(); ++i) {
      if (authzs[i].status == Status::kValid) continue;
      if (authzs[i].status != Status::kPending)
        throw ValidationFailure(authzs[i]);
      still.push_back(pending[i]);
      // The longest Retry-After among those still pending decides.
      if (retry_after[i] && (!wait || *retry_after[i] > *wait))
        wait = retry_after[i];
    }
    if (still.empty()) return;
    pending = std::move(still);
    poller.Wait(wait);
  }
}

Order AwaitOrder(acme::Client& client, Clock& clock,
                 const acme::RetryPolicy& policy, Order order, Status want,
                 std::optional<std::chrono::seconds> retry_after) {
  // Issuing (after finalize) has its own deadline, --issuance-timeout.
  Poller poller(
      clock, policy, std::string("order to become ") + acme::StatusName(want),
      want == Status::kValid ? policy.issuance_deadline : policy.poll_deadline);
  while (order.status != want) {
    bool waiting = order.status == Status::kPending ||
                   order.status == Status::kProcessing ||
                   (want == Status::kValid && order.status == Status::kReady);
    if (!waiting) {
      std::string why = order.error_text.empty() ? "" : ": " + order.error_text;
      throw Error(std::string("the order is ") +
                  acme::StatusName(order.status) + " (expected " +
                  acme::StatusName(want) + ")" + why);
    }
    poller.Wait(retry_after);
    order = client.GetOrder(order.url, &retry_after);
  }
  return order;
}

struct SplitChain {
  std::string cert, chain;
};

// Splits what the CA sent into the leaf and its chain, refusing anything but
// CERTIFICATE blocks (RFC 8555 §11.4) and a chain that does not link: each
// certificate must be issued by the next one (§9.1). nginx would serve a
// chain that does not link and every client would fail on it, so it is
// refused like a certificate for the wrong key.
SplitChain Split(const std::string& pem) {
  std::vector<std::string> blocks = crypto::SplitPemChain(pem);
  for (size_t i = 0; i + 1 < blocks.size(); ++i) {
    crypto::Certificate subject = crypto::Certificate::FromPem(blocks[i]);
    crypto::Certificate issuer = crypto::Certificate::FromPem(blocks[i + 1]);
    if (!subject.IssuedBy(issuer))
      throw acme::ProtocolError(
          "certificate",
          "the chain does not link: certificate " + std::to_string(i + 1) +
              " (" + subject.Subject() + ") is not issued by certificate " +
              std::to_string(i + 2) + " (" + issuer.Subject() + ")");
  }
  SplitChain out{blocks.front(), ""};
  for (size_t i = 1; i < blocks.size(); ++i) out.chain += blocks[i];
  return out;
}

// The issuer CN of the top certificate of a chain (certbot's
// --preferred-chain rule).
std::string TopIssuer(const std::string& pem) {
  std::vector<std::string> blocks = crypto::SplitPemChain(pem);
  return crypto::Certificate::FromPem(blocks.back()).IssuerCommonName();
}

std::string ChooseChain(acme::Client& client, const ObtainRequest& req,
                        const acme::CertificateChain& def) {
  if (req.preferred_chain.empty()) return def.pem;
  if (TopIssuer(def.pem) == req.preferred_chain) return def.pem;
  for (const std::string& url : def.alternates) {
    acme::CertificateChain alt = client.DownloadCertificate(url);
    if (TopIssuer(alt.pem) == req.preferred_chain) return alt.pem;
  }
  log::Info("No chain issued by \"" + req.preferred_chain +
            "\" was offered; using the default chain");
  return def.pem;
}

void VerifyCertificate(const ObtainRequest& req, const std::string& cert_pem) {
  crypto::Certificate cert = crypto::Certificate::FromPem(cert_pem);
  const bool key_matches = req.csr
                               ? cert.PublicKeyDer() == req.csr->public_key_der
                               : cert.MatchesKey(*req.certificate_key);
  if (!key_matches)
    throw acme::ProtocolError(
        "certificate", "the issued certificate is not for the key in the CSR");
  std::vector<Identifier> got;
  for (const std::string& n : cert.DnsNames()) got.push_back({"dns", n});
  for (const std::string& n : cert.IpAddresses()) got.push_back({"ip", n});
  if (Keys(got) != Keys(req.identifiers))
    throw acme::ProtocolError(
        "certificate",
        "the issued certificate's names differ from the order's");
}

}  // namespace

ObtainResult Obtain(acme::Client& client, Clock& clock,
                    const ObtainRequest& req, const acme::RetryPolicy& policy) {
  Order order = client.NewOrder(req.identifiers, req.replaces, req.profile);
  if (Keys(order.identifiers) != Keys(req.identifiers))
    throw acme::ProtocolError(
        "identifiers", "the order's identifiers differ from those requested");

  std::vector<Presented> presented;
  {
    CleanupGuard cleanup(presented);
    std::set<std::string> wanted = Keys(req.identifiers);
    std::vector<Authorization> authzs =
        client.GetAuthorizations(order.authorizations);
    for (size_t i = 0; i < authzs.size(); ++i) {
      const Authorization& authz = authzs[i];
      Identifier id = authz.identifier;
      if (authz.wildcard) id.value = "*." + id.value;
      if (!wanted.count(id.type + ":" + ToLower(id.value)))
        throw acme::ProtocolError("identifier", "authorization for " +
                                                    StripControl(id.value) +
                                                    ", which was not ordered");
      if (authz.status == Status::kValid) continue;  // reused authorization
      if (authz.status != Status::kPending) throw ValidationFailure(authz);
      const acme::Challenge* chosen = nullptr;
      ChallengeSolver* solver = PickSolver(req, authz, &chosen);
      if (!solver)
        throw Error("the CA offers no challenge we can answer for " +
                    Display(authz.identifier, authz.wildcard) +
                    " (offered: " + OfferedTypes(authz) +
                    "; configured: " + SolverTypes(req) + ")");
      ChallengeTask task{authz.identifier, authz.wildcard, *chosen,
                         client.KeyAuthorization(chosen->token)};
      presented.push_back({solver, task, order.authorizations[i]});
      solver->Present(presented.back().task);
    }
    // §8.2: only once every response is in place do we tell the CA to look.
    std::set<ChallengeSolver*> waited;
    for (Presented& p : presented)
      if (waited.insert(p.solver).second) p.solver->Wait();
    std::vector<std::string> challenge_urls;
    for (const Presented& p : presented)
      challenge_urls.push_back(p.task.challenge.url);
    std::vector<acme::Challenge> answered =
        client.RespondToChallenges(challenge_urls);
    for (size_t i = 0; i < answered.size(); ++i) {
      const ChallengeTask& task = presented[i].task;
      if (answered[i].status == Status::kInvalid)
        throw ValidationError("validation of " +
                                  Display(task.identifier, task.wildcard) +
                                  " failed: " + answered[i].error_text,
                              Ordered(task.identifier, task.wildcard));
    }
    AwaitAuthorizations(client, clock, policy, presented);
  }

  std::vector<std::string> names;
  for (const Identifier& id : req.identifiers) names.push_back(id.value);
  std::string csr = req.csr ? req.csr->der
                            : crypto::MakeCsrDer(*req.certificate_key, names,
                                                 req.must_staple);
  log::Debug("Finalizing order " + order.url);
  std::optional<std::chrono::seconds> retry_after;
  // RFC 8555 §7.1.6: once all its authorizations are valid the order is
  // ready, so it is finalized at once rather than fetched first (one round
  // trip fewer). A CA that has not caught up answers orderNotReady (§7.4):
  // then wait until the order says "ready" and finalize again.
  Order finalized;
  try {
    finalized = client.Finalize(order, csr, &retry_after);
  } catch (const acme::ProblemError& e) {
    if (e.problem().type != acme::ProblemType::kOrderNotReady) throw;
    log::Debug("order not ready yet; waiting for it");
    order = AwaitOrder(client, clock, policy, client.GetOrder(order.url),
                       Status::kReady, std::nullopt);
    finalized = client.Finalize(order, csr, &retry_after);
  }
  // A CA still issuing is asked again at once unless it asked for a pause:
  // the round trip is the pause (across the internet the CA has usually
  // finished by the time the request arrives; Pebble has). Then the backoff.
  if (!retry_after && (finalized.status == Status::kProcessing ||
                       finalized.status == Status::kReady))
    finalized = client.GetOrder(finalized.url, &retry_after);
  finalized =
      AwaitOrder(client, clock, policy, finalized, Status::kValid, retry_after);
  if (finalized.certificate.empty())
    throw acme::ProtocolError("certificate",
                              "valid order has no certificate URL");

  acme::CertificateChain chain =
      client.DownloadCertificate(finalized.certificate);
  std::string pem = ChooseChain(client, req, chain);
  SplitChain parts = Split(pem);
  VerifyCertificate(req, parts.cert);
  if (parts.chain.empty())
    throw acme::ProtocolError("certificate",
                              "the CA sent a certificate without its chain");
  return {parts.cert, parts.chain, parts.cert + parts.chain, finalized};
}

}  // namespace certpilot::issuance
