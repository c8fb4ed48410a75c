#include "app/rules/renewal_policy.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::app {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
constexpr hours kDay{24};

TimePoint T0() { return std::chrono::system_clock::from_time_t(1'700'000'000); }

TEST(RenewAfter, NinetyDayCertificateRenewsTwentyDaysBefore) {
  EXPECT_EQ(RenewAfter(T0(), T0() + 90 * kDay, std::nullopt), T0() + 70 * kDay);
}

TEST(RenewAfter, FortyFiveDayCertificateRenewsAtTwoThirds) {
  EXPECT_EQ(RenewAfter(T0(), T0() + 45 * kDay, std::nullopt), T0() + 30 * kDay);
  // Ten days is no longer short-lived: a third.
  EXPECT_EQ(RenewAfter(T0(), T0() + 10 * kDay, std::nullopt),
            T0() + 10 * kDay - (10 * kDay) / 3);
}

// Under ten days (Let's Encrypt's 160-hour profile): at half the lifetime,
// as certbot 4 and lego do.
TEST(RenewAfter, ShortLivedCertificateRenewsAtHalfItsLifetime) {
  EXPECT_EQ(RenewAfter(T0(), T0() + hours(160), std::nullopt),
            T0() + hours(80));
  EXPECT_EQ(RenewAfter(T0(), T0() + 6 * kDay, std::nullopt), T0() + 3 * kDay);
  EXPECT_EQ(RenewAfter(T0(), T0() + hours(3), std::nullopt),
            T0() + std::chrono::minutes(90));
}

TEST(RenewAfter, ExplicitWindowWins) {
  EXPECT_EQ(RenewAfter(T0(), T0() + 90 * kDay, seconds(30 * 86400)),
            T0() + 60 * kDay);
}

TEST(RenewBeforeExpiry, ParsesCertbotSyntax) {
  EXPECT_EQ(ParseRenewBeforeExpiry("30 days"), seconds(30 * 86400));
  EXPECT_EQ(ParseRenewBeforeExpiry("1 day"), seconds(86400));
  EXPECT_EQ(ParseRenewBeforeExpiry("8 hours"), seconds(8 * 3600));
  EXPECT_EQ(ParseRenewBeforeExpiry("2 weeks"), seconds(14 * 86400));
  EXPECT_EQ(ParseRenewBeforeExpiry("10"), seconds(10 * 86400));
  EXPECT_EQ(ParseRenewBeforeExpiry(" 3 Days "), seconds(3 * 86400));
  EXPECT_THROW(ParseRenewBeforeExpiry("soon"), UsageError);
  EXPECT_THROW(ParseRenewBeforeExpiry("3 fortnights"), UsageError);
  EXPECT_THROW(ParseRenewBeforeExpiry(""), UsageError);
}

}  // namespace
}  // namespace certpilot::app
