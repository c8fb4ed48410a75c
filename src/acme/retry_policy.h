// When and how long the ACME client waits before asking again — all of the
// retry policy in one place (after acmez and uacme).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "acme/types.h"

namespace certpilot::acme {

struct RetryPolicy {
  // badNonce (§6.5): retry with the nonce the error response carried.
  int max_bad_nonce_retries = 10;
  // 5xx / serverInternal and transport failures on idempotent requests.
  int max_transient_retries = 3;
  std::chrono::milliseconds transient_backoff{250};
  // Polling (§7.5.1, §7.4): start fast, grow, never exceed the cap; a CA's
  // Retry-After is honoured but clamped to [poll_initial, retry_after_cap].
  // A CA often finishes within milliseconds (a validation of a responder
  // that is already up, a finalize): the first poll comes soon, then the
  // interval doubles — 10, 20, 40 … 2560 ms, 3 s — so a slow CA sees no
  // more polls in its first seconds than a 50 ms × 1.6 schedule would give.
  std::chrono::milliseconds poll_initial{10};
  double poll_growth = 2.0;
  std::chrono::milliseconds poll_max{3000};
  std::chrono::seconds retry_after_cap{60};
  // Overall deadline for one wait (authorization or order).
  std::chrono::seconds poll_deadline{300};
  // Deadline for the order to become valid once finalized (§7.4): the
  // CA issuing the certificate. certbot's --issuance-timeout.
  std::chrono::seconds issuance_deadline{300};
};

// Parses a Retry-After value (RFC 9110 §10.2.3): delta-seconds or an
// HTTP-date relative to `now`. Negative, past, empty or garbage values give
// nullopt; the result is not clamped.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    TimePoint now);

// The next poll interval after `current`, honouring a Retry-After hint.
std::chrono::milliseconds NextPollDelay(
    const RetryPolicy& policy, std::chrono::milliseconds current,
    std::optional<std::chrono::seconds> retry_after);

}  // namespace certpilot::acme
