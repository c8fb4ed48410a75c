// An HTTP-01 challenge task (RFC 8555 §8.3) for the web-server solver tests
// (nginx, Apache): the key authorization is "TOKEN.thumbprint".
#pragma once

#include <string>

#include "issuance/challenge_solver.h"

namespace certpilot::solvers::testing {

inline issuance::ChallengeTask Http01Task(const std::string& name,
                                          const std::string& token) {
  issuance::ChallengeTask t;
  t.identifier = {"dns", name};
  t.challenge.type = "http-01";
  t.challenge.token = token;
  t.key_authorization = token + ".thumbprint";
  return t;
}

}  // namespace certpilot::solvers::testing
