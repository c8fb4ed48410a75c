#include "app/rules/renewal_policy.h"

#include <algorithm>
#include <string>

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

TimePoint RenewAfter(TimePoint not_before, TimePoint not_after,
                     std::optional<std::chrono::seconds> renew_before_expiry) {
  if (renew_before_expiry) return not_after - *renew_before_expiry;
  const auto lifetime = not_after - not_before;
  if (lifetime < kShortLifetime) return not_after - lifetime / 2;
  auto window = std::min<std::chrono::system_clock::duration>(
      std::chrono::hours(24 * 20), lifetime / 3);
  return not_after - window;
}

std::chrono::seconds ParseRenewBeforeExpiry(std::string_view text) {
  std::string t(Trim(text));
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  std::string unit = ToLower(Trim(std::string_view(t).substr(digits)));
  if (digits == 0 || digits > 6)
    throw UsageError(
        "renew_before_expiry: cannot parse \"" + StripControl(t) +
        "\" (expected e.g. \"30 days\", \"8 hours\", \"2 weeks\")");
  long n = std::stol(t.substr(0, digits));
  long unit_seconds = 0;
  if (unit.empty() || unit == "d" || unit == "day" || unit == "days")
    unit_seconds = 86400;
  else if (unit == "h" || unit == "hour" || unit == "hours")
    unit_seconds = 3600;
  else if (unit == "w" || unit == "week" || unit == "weeks")
    unit_seconds = 7 * 86400;
  else if (unit == "m" || unit == "minute" || unit == "minutes")
    unit_seconds = 60;
  else if (unit == "s" || unit == "second" || unit == "seconds")
    unit_seconds = 1;
  else
    throw UsageError("renew_before_expiry: unknown unit \"" +
                     StripControl(unit) + "\" (use days, hours or weeks)");
  return std::chrono::seconds(n * unit_seconds);
}

}  // namespace certpilot::app
