#include "app/rules/backoff.h"

#include <algorithm>

#include "util/strings.h"

namespace certpilot::app {
namespace {

// `text` cut to at most `max` bytes, never inside a UTF-8 sequence.
std::string CutUtf8(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text + "...";
}

}  // namespace

std::chrono::seconds RetryDelay(int failures, TimePoint not_after,
                                TimePoint now) {
  using std::chrono::seconds;
  seconds delay = kMaxRetryDelay;
  // 1 h << 5 is already past a day: no need to shift further.
  if (failures < 6)
    delay = std::min<seconds>(
        delay, kFirstRetryDelay * (1 << std::max(failures - 1, 0)));
  const auto remaining = std::chrono::duration_cast<seconds>(not_after - now);
  delay = std::min(delay, remaining / kRetryLifetimeDivisor);
  return std::max(delay, seconds(0));
}

RenewalHistory RecordFailure(const std::optional<RenewalHistory>& before,
                             const std::string& serial, TimePoint not_after,
                             TimePoint now, std::string_view reason,
                             bool forced) {
  RenewalHistory h;
  h.serial = serial;
  h.last_attempt = now;
  h.last_succeeded = false;
  std::optional<RenewalFailure> current = CurrentFailures(before, serial);
  h.failures = (current && !forced ? current->failures : 0) + 1;
  h.reason = CutUtf8(StripControl(reason), kMaxReasonBytes);
  h.next_attempt = now + RetryDelay(h.failures, not_after, now);
  return h;
}

RenewalHistory RecordSuccess(const std::string& new_serial, TimePoint now) {
  RenewalHistory h;
  h.serial = new_serial;
  h.last_attempt = now;
  h.last_succeeded = true;
  return h;
}

std::optional<RenewalFailure> CurrentFailures(
    const std::optional<RenewalHistory>& history, const std::string& serial) {
  if (!history || history->last_succeeded || history->failures < 1 ||
      history->serial != serial)
    return std::nullopt;
  return RenewalFailure{history->failures, history->last_attempt,
                        history->reason, history->next_attempt};
}

std::optional<TimePoint> BackedOffUntil(
    const std::optional<RenewalHistory>& history, const std::string& serial,
    TimePoint now) {
  std::optional<RenewalFailure> current = CurrentFailures(history, serial);
  if (!current || now >= current->next_attempt) return std::nullopt;
  return current->next_attempt;
}

std::string DescribeBackoff(const RenewalFailure& f) {
  return (f.failures == 1 ? std::string("its last renewal attempt failed")
                          : "its last " + std::to_string(f.failures) +
                                " renewal attempts failed, the last") +
         " at " + FormatRfc3339(f.last_attempt) + ": " + f.reason +
         "; next attempt after " + FormatRfc3339(f.next_attempt) +
         " (--force-renewal tries now)";
}

}  // namespace certpilot::app
