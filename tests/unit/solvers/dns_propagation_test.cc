// Propagation waits on a fake clock and a fake DNS server: polling until
// every value is visible, backoff, deadline, fixed waits. No sleeps.
#include "solvers/dns_propagation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "unit/solvers/fake_dns_client.h"

namespace certpilot::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeDnsClient;

constexpr char kName[] = "_acme-challenge.example.com";

TEST(AwaitTxtRecordsTest, ReturnsAtOnceWhenEverythingIsVisible) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"other", "v1", "v2"};
  FakeClock clock;
  AwaitTxtRecords(dns, clock, {{kName, "v1"}, {kName, "v2"}});
  EXPECT_EQ(dns.queries, 1);  // one query per name, not per value
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(AwaitTxtRecordsTest, PollsWithGrowingPausesUntilVisible) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"v1"};
  dns.hidden_until_query["v1"] = 4;  // the 4th query sees it
  FakeClock clock;
  PollPolicy policy;
  policy.initial_interval = 100ms;
  policy.max_interval = 250ms;
  AwaitTxtRecords(dns, clock, {{kName, "v1"}}, policy);
  EXPECT_EQ(dns.queries, 4);
  EXPECT_THAT(clock.sleeps(),
              ElementsAre(Duration(100ms), Duration(200ms), Duration(250ms)));
}

TEST(AwaitTxtRecordsTest, QueryErrorsCountAsNotYetVisible) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"v1"};
  dns.fail_queries = 2;
  FakeClock clock;
  AwaitTxtRecords(dns, clock, {{kName, "v1"}});
  EXPECT_EQ(dns.queries, 3);
}

TEST(AwaitTxtRecordsTest, NamesAreQueriedSeparatelyAndDoneOnesAreNotRepeated) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"a"};
  dns.txt[FakeDnsClient::Key("_acme-challenge.www.example.com")] = {"b"};
  dns.hidden_until_query["b"] = 3;
  FakeClock clock;
  AwaitTxtRecords(dns, clock,
                  {{kName, "a"}, {"_acme-challenge.www.example.com.", "b"}});
  EXPECT_THAT(dns.calls, ElementsAre("query _acme-challenge.example.com.",
                                     "query _acme-challenge.www.example.com.",
                                     "query _acme-challenge.www.example.com."));
}

TEST(AwaitTxtRecordsTest, GivesUpAtTheDeadlineNamingWhatIsMissing) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"stale"};
  FakeClock clock;
  const TimePoint start = clock.Now();
  PollPolicy policy;
  policy.timeout = 10s;
  policy.initial_interval = 1s;
  policy.max_interval = 4s;
  try {
    AwaitTxtRecords(dns, clock, {{kName, "fresh"}}, policy);
    FAIL() << "expected DnsPropagationError";
  } catch (const DnsPropagationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("fake:53"));
    EXPECT_THAT(e.what(), HasSubstr("_acme-challenge.example.com."));
    EXPECT_THAT(e.what(), HasSubstr("\"fresh\""));
    EXPECT_THAT(e.what(), HasSubstr("it shows \"stale\""));
  }
  // Never sleeps past the deadline: 1 + 2 + 4 + 3 (clamped) = 10 s.
  EXPECT_EQ(clock.Now() - start, 10s);
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(1s), Duration(2s),
                                          Duration(4s), Duration(3s)));
}

TEST(AwaitTxtRecordsTest, ReportsTheLastErrorWhenTheServerNeverAnswers) {
  FakeDnsClient dns;
  dns.fail_queries = 1000;
  FakeClock clock;
  PollPolicy policy;
  policy.timeout = 2s;
  try {
    AwaitTxtRecords(dns, clock, {{kName, "v"}}, policy);
    FAIL();
  } catch (const DnsPropagationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("timed out"));
  }
}

TEST(WaitForPropagationTest, DoesNothingWhenNotAsked) {
  FakeClock clock;
  WaitForPropagation(clock, {}, {{kName, "v"}});
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(WaitForPropagationTest, FixedWaitSleepsThatLong) {
  FakeClock clock;
  DnsPropagationOptions options;
  options.fixed_wait = 30s;
  WaitForPropagation(clock, options, {{kName, "v"}});
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(30s)));
  // Nothing to wait for: no wait either.
  FakeClock idle;
  WaitForPropagation(idle, options, {});
  EXPECT_TRUE(idle.sleeps().empty());
}

TEST(WaitForPropagationTest, PollsTheResolverThenWaitsTheFixedTime) {
  FakeDnsClient dns;
  dns.txt[FakeDnsClient::Key(kName)] = {"v"};
  dns.hidden_until_query["v"] = 2;
  FakeClock clock;
  DnsPropagationOptions options;
  options.resolver = &dns;
  options.poll.initial_interval = 500ms;
  options.fixed_wait = 5s;
  WaitForPropagation(clock, options, {{kName, "v"}});
  EXPECT_EQ(dns.queries, 2);
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(500ms), Duration(5s)));
}

}  // namespace
}  // namespace certpilot::solvers
