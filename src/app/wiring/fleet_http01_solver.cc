#include "app/wiring/fleet_http01_solver.h"

#include <algorithm>
#include <vector>

#include "app/wiring/fleet_nodes.h"
#include "etcd/etcd_error.h"
#include "fleet/challenge_record.h"
#include "util/error.h"
#include "util/log.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// One node asked for one token, and what it last answered.
struct Probe {
  std::string node;
  std::string address;
  const issuance::ChallengeTask* task = nullptr;
  http::Request request;
  bool served = false;
  std::string last = "was not asked";
};

}  // namespace

FleetHttp01Solver::FleetHttp01Solver(etcd::Client& etcd,
                                     http::HttpClient& self_check, Clock& clock,
                                     FleetHttp01Options options)
    : etcd_(etcd),
      self_check_(self_check),
      clock_(clock),
      options_(std::move(options)) {}

FleetHttp01Solver::~FleetHttp01Solver() {
  if (lease_ == 0) return;
  try {
    etcd_.LeaseRevoke(lease_);
  } catch (const etcd::EtcdError& e) {
    // The lease ends by itself within its TTL, and its tokens with it.
    log::Debug("fleet: revoking the challenge lease: " + std::string(e.what()));
  }
}

void FleetHttp01Solver::Present(const issuance::ChallengeTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lease_ == 0)
    lease_ = etcd_
                 .LeaseGrant(std::min(options_.ttl_seconds,
                                      fleet::kMaxChallengeTtlSeconds))
                 .id;
  fleet::PublishChallenge(etcd_, options_.prefix, task.challenge.token,
                          task.key_authorization, lease_);
  pending_[task.challenge.token] = {task, false};
}

void FleetHttp01Solver::Wait() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Probe> probes;
  const std::vector<FleetNode> nodes = ListFleetNodes(etcd_, options_.prefix);
  if (nodes.empty())
    throw Error("fleet HTTP-01: no node is registered under " +
                FleetNodesPrefix(options_.prefix) +
                " to serve the challenge; start `certpilot agent` on every "
                "node behind the load balancer (the CA was not asked to "
                "validate)");
  for (auto& [token, pending] : pending_) {
    if (pending.checked) continue;
    for (const FleetNode& node : nodes) {
      Probe p;
      p.node = node.name;
      p.address = node.address;
      p.task = &pending.task;
      std::string host = pending.task.identifier.value;
      if (host.find(':') != std::string::npos) host = "[" + host + "]";
      p.request.url =
          "http://" + node.address + "/.well-known/acme-challenge/" + token;
      p.request.headers = {{"Host", host}};
      p.request.max_body_bytes = 4096;
      if (node.address.empty()) p.last = "registered no address";
      probes.push_back(std::move(p));
    }
  }
  auto all_served = [&] {
    bool done = true;
    for (Probe& p : probes) {
      if (p.served || p.address.empty()) {
        done = done && p.served;
        continue;
      }
      try {
        http::Response r = self_check_.Do(p.request);
        p.served = r.status == 200 && Trim(r.body) == p.task->key_authorization;
        if (!p.served)
          p.last = "answered " + std::to_string(r.status) +
                   (r.status == 200 ? " with something else" : "");
      } catch (const http::TransportError& e) {
        p.last = "failed: " + StripControl(e.what());
      }
      done = done && p.served;
    }
    return done;
  };
  if (PollUntil(clock_, clock_.Now() + options_.self_check_timeout,
                {options_.self_check_interval}, all_served)) {
    for (auto& [token, pending] : pending_) pending.checked = true;
    log::Debug("fleet HTTP-01: every node serves the challenges");
    return;
  }
  std::string failures;
  for (const Probe& p : probes) {
    if (p.served) continue;
    failures += "\n  node " + StripControl(p.node) + " (" +
                StripControl(p.address) + ") for " +
                StripControl(p.task->identifier.value) + ": GET " +
                StripControl(p.request.url) + " " + p.last;
  }
  throw Error("fleet HTTP-01: not every node serves the challenge after " +
              std::to_string(options_.self_check_timeout.count() / 1000) +
              " s; the CA was not asked to validate. Is `certpilot agent` "
              "running and reachable there, and does the node's nginx send "
              "/.well-known/acme-challenge/ to it (install --nginx with "
              "--fleet-responder)?" +
              failures);
}

void FleetHttp01Solver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(task.challenge.token);
  try {
    fleet::WithdrawChallenge(etcd_, options_.prefix, task.challenge.token);
  } catch (const Error& e) {
    log::Warning("fleet HTTP-01: could not withdraw the challenge for " +
                 StripControl(task.identifier.value) + " (it expires with " +
                 "its lease): " + e.what());
  }
}

}  // namespace certpilot::app
