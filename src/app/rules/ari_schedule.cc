#include "app/rules/ari_schedule.h"

#include <algorithm>

namespace certpilot::app {
namespace {

AriState FromAnswer(const std::optional<AriState>& stored,
                    const std::string& cert_id, const AriAnswer& answer,
                    TimePoint now, const std::function<double()>& random) {
  AriState fresh;
  fresh.cert_id = cert_id;
  fresh.window_start = answer.info.window_start;
  fresh.window_end = answer.info.window_end;
  const bool same_window = stored && stored->cert_id == cert_id &&
                           stored->window_start == fresh.window_start &&
                           stored->window_end == fresh.window_end;
  // RFC 9773 §4.2: a uniformly random moment inside the window.
  fresh.selected =
      same_window ? stored->selected
                  : fresh.window_start +
                        std::chrono::duration_cast<TimePoint::duration>(
                            (fresh.window_end - fresh.window_start) * random());
  auto wait = std::chrono::duration_cast<TimePoint::duration>(
      answer.retry_after
          ? std::chrono::duration_cast<std::chrono::hours>(*answer.retry_after)
          : kAriDefaultRecheck);
  wait = std::clamp<TimePoint::duration>(wait, kAriMinRecheck, kAriMaxRecheck);
  fresh.next_check = now + wait;
  return fresh;
}

}  // namespace

AriDecision DecideAri(const std::optional<AriState>& stored,
                      const std::string& cert_id,
                      const std::optional<AriAnswer>& answer, TimePoint now,
                      const std::function<double()>& random) {
  AriDecision d;
  if (answer) {
    d.state = FromAnswer(stored, cert_id, *answer, now, random);
    d.state_changed = true;
  } else if (stored && stored->cert_id == cert_id && now < stored->next_check) {
    d.state = *stored;
  } else {
    return d;
  }
  d.action =
      now >= d.state.selected ? AriAction::kRenewNow : AriAction::kNotDue;
  return d;
}

}  // namespace certpilot::app
