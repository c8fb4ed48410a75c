// Backoff for lineages whose renewal keeps failing: after a failed attempt
// `renew` leaves the lineage alone for 1 h, then 2 h, 4 h ... up to a day,
// so a broken setup is not sent to the CA on every run (a CA's rate limits
// count failed validations too). The delay never pushes the next attempt
// past a quarter of the certificate's remaining lifetime, so a lineage that
// starts failing inside its renewal window still gets many attempts before
// it expires. A success, or a forced attempt (--force-renewal), starts the
// count again. The history is about one certificate (its serial): once the
// lineage holds another one (renewed by certonly, say) it no longer holds
// the lineage back.
//
// Pure decisions: the caller loads and stores the history
// (app/wiring/renewal_history.h). Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "app/types/results.h"
#include "util/clock.h"

namespace certpilot::app {

// What the last renewal attempts of a lineage came to, kept between runs.
struct RenewalHistory {
  // The certificate these attempts were to replace (a failure), or the one
  // the last successful attempt produced (hex, as LineageInfo::serial).
  std::string serial;
  TimePoint last_attempt{};
  bool last_succeeded = false;
  // Failed attempts since the last success or forced attempt; 0 after a
  // success. The fields below are meaningful only when it is > 0.
  int failures = 0;
  std::string reason;  // why the last attempt failed, ready to print
  TimePoint next_attempt{};
};

inline constexpr std::chrono::hours kFirstRetryDelay{1};
inline constexpr std::chrono::hours kMaxRetryDelay{24};
// The delay is at most the remaining lifetime divided by this.
inline constexpr int kRetryLifetimeDivisor = 4;
// A reason longer than this is cut (a CA's detail can be long).
inline constexpr std::size_t kMaxReasonBytes = 1000;

// How long to wait after the `failures`-th failure in a row (>= 1) of the
// renewal of a certificate that expires at `not_after`: kFirstRetryDelay
// doubled for each earlier failure, at most kMaxRetryDelay, at most
// (not_after - now) / kRetryLifetimeDivisor, never negative.
std::chrono::seconds RetryDelay(int failures, TimePoint not_after,
                                TimePoint now);

// The history after an attempt at `now` to replace certificate `serial`
// (expiring at `not_after`) failed with `reason`. Counts on from `before`
// when it is about the same certificate and the attempt was not `forced`;
// otherwise this is the first failure. `reason` is stripped of control
// characters and cut to kMaxReasonBytes.
RenewalHistory RecordFailure(const std::optional<RenewalHistory>& before,
                             const std::string& serial, TimePoint not_after,
                             TimePoint now, std::string_view reason,
                             bool forced);

// The history after an attempt at `now` produced certificate `new_serial`.
RenewalHistory RecordSuccess(const std::string& new_serial, TimePoint now);

// The failures `history` records for the certificate the lineage holds now
// (`serial`), if any: nullopt when there is no history, it is about another
// certificate, or the last attempt succeeded.
std::optional<RenewalFailure> CurrentFailures(
    const std::optional<RenewalHistory>& history, const std::string& serial);

// When a lineage holding certificate `serial` may next be tried, if that is
// after `now`; nullopt when it may be tried now.
std::optional<TimePoint> BackedOffUntil(
    const std::optional<RenewalHistory>& history, const std::string& serial,
    TimePoint now);

// For `renew`'s log: "its last 3 renewal attempts failed, the last at
// 2026-12-04T01:00:00Z: REASON; next attempt after 2026-12-04T05:00:00Z
// (--force-renewal tries now)".
std::string DescribeBackoff(const RenewalFailure& f);

}  // namespace certpilot::app
