// When a certificate is due for renewal (shown as renew_after by
// `certificates`, acted on by `renew`).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "util/clock.h"

namespace certpilot::app {

// The default rule: renew when less than the smaller of 20 days and a third
// of the certificate's lifetime remains — so a 90-day certificate renews 20
// days before expiry and a 45-day one 15 days before — except that a
// short-lived certificate (under kShortLifetime: Let's Encrypt's 160-hour
// "shortlived" profile) renews at half its lifetime, 80 hours before expiry,
// as certbot 4 and lego do. The CA's ARI window, where it offers one, can
// bring the moment forward (renew.cc). An explicit `renew_before_expiry`
// replaces the rule.
inline constexpr std::chrono::hours kShortLifetime{24 * 10};
TimePoint RenewAfter(TimePoint not_before, TimePoint not_after,
                     std::optional<std::chrono::seconds> renew_before_expiry);

// certbot's renew_before_expiry syntax: "30 days", "8 hours", "2 weeks",
// "1 day", a bare number = days. Throws UsageError naming the value.
std::chrono::seconds ParseRenewBeforeExpiry(std::string_view text);

// The default rule as the first comment of a new renewal conf says it (the
// lines without "# "), with the key that replaces it, commented out.
inline constexpr const char* kRenewalRuleComment[] = {
    "certpilot renews when less than 20 days or a third of the "
    "certificate's lifetime remains,",
    "whichever is less (half of it for certificates that live under 10 "
    "days);",
    "uncomment the next line to renew a fixed time before expiry instead.",
    "renew_before_expiry = 20 days"};

}  // namespace certpilot::app
