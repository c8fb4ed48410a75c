// When the CA wants a certificate renewed (ACME Renewal Information,
// RFC 9773), as one pure decision: the stored state, the CA's answer when
// one was fetched, the current time and a random source in; renew now, not
// due yet (and when to ask again), or ask the CA first out. The caller does
// the fetching (acme::Client::GetRenewalInfo) and the storing
// (app/wiring/ari_state.h). No I/O; thread-safe when `random` is.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "acme/types.h"
#include "util/clock.h"

namespace certpilot::app {

// What the CA said about one certificate, kept between runs: the window, the
// random point chosen in it (so it does not move on every run), and when we
// may ask again.
struct AriState {
  std::string cert_id;  // the certificate it is about (RFC 9773 §4.1)
  TimePoint window_start{}, window_end{}, selected{}, next_check{};
};

// One renewalInfo response: the suggested window and its Retry-After.
struct AriAnswer {
  acme::RenewalInfo info;
  std::optional<std::chrono::seconds> retry_after;
};

enum class AriAction {
  kAskCa,     // nothing usable is stored: fetch, then decide with the answer
  kRenewNow,  // the point chosen in the window has come
  kNotDue,    // not yet; ask the CA again from state.next_check on
};

struct AriDecision {
  AriAction action = AriAction::kAskCa;
  AriState state;              // unless kAskCa: what the verdict rests on
  bool state_changed = false;  // `state` was made from the answer: store it
};

// RFC 9773 §4.3: without a Retry-After, ask again within a day; never hammer
// the CA (at most hourly), never wait longer than a day.
inline constexpr std::chrono::hours kAriDefaultRecheck{6};
inline constexpr std::chrono::hours kAriMinRecheck{1};
inline constexpr std::chrono::hours kAriMaxRecheck{24};

// With `answer`: the state it gives (the stored point kept when the window
// did not move, else a fresh one drawn with `random`, uniform in [0, 1) —
// RFC 9773 §4.2; next check after the Retry-After in whole hours, clamped to
// [kAriMinRecheck, kAriMaxRecheck], or kAriDefaultRecheck without one) and
// its verdict. Without: the stored state's verdict while it is about
// `cert_id` and its next check has not come, else kAskCa. `random` is called
// only when a new point is drawn.
AriDecision DecideAri(const std::optional<AriState>& stored,
                      const std::string& cert_id,
                      const std::optional<AriAnswer>& answer, TimePoint now,
                      const std::function<double()>& random);

}  // namespace certpilot::app
