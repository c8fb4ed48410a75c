// HTTP-01 through certpilot's own responder (`--standalone`, RFC 8555 §8.3).
//
// Present publishes the key authorization in the shared responder's token
// map; CleanUp withdraws it. Many orders (parallel renewals) can share one
// responder, and so one port. Thread-safe as the responder is.
#pragma once

#include "issuance/challenge_solver.h"
#include "solvers/http01_responder.h"

namespace certpilot::solvers {

class StandaloneSolver : public issuance::ChallengeSolver {
 public:
  // `responder` must be started and outlive the solver.
  explicit StandaloneSolver(Http01Responder& responder)
      : responder_(responder) {}

  std::string Type() const override { return "http-01"; }
  void Present(const issuance::ChallengeTask& task) override {
    responder_.Add(task.challenge.token, task.key_authorization);
  }
  void CleanUp(const issuance::ChallengeTask& task) noexcept override {
    responder_.Remove(task.challenge.token);
  }

 private:
  Http01Responder& responder_;
};

}  // namespace certpilot::solvers
