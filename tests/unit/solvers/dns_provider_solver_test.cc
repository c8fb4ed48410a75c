// DnsProviderSolver over a recording provider: CNAME delegation through the
// given resolver, exactly-its-own clean-up also after failures, API errors
// passed through. (RFC 2136 runs on the same solver: rfc2136_solver_test.cc.)
#include "solvers/dns_provider_solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "solvers/dns01.h"
#include "solvers/dns_propagation.h"
#include "support/fake_clock.h"
#include "unit/solvers/fake_dns_client.h"

namespace certpilot::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeDnsClient;

class RecordingProvider : public DnsProvider {
 public:
  std::string Describe() const override { return "fake API"; }
  std::string FindZone(const std::string& name) override {
    calls.push_back("zone " + name);
    if (no_zone) throw DnsProviderError("no zone for " + name, 0);
    return "example.net.";
  }
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override {
    calls.push_back("add " + zone + " " + name + " " + value + " " +
                    std::to_string(ttl));
    if (add_status) throw DnsProviderError("API answered 429", add_status);
  }
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override {
    calls.push_back("delete " + zone + " " + name + " " + value);
    if (delete_fails) throw DnsProviderError("API answered 500", 500);
  }
  std::vector<std::string> calls;
  bool no_zone = false;
  int add_status = 0;
  bool delete_fails = false;
};

issuance::ChallengeTask Task(const std::string& name, const std::string& tok) {
  issuance::ChallengeTask t;
  t.identifier = {"dns", name};
  t.challenge.type = "dns-01";
  t.challenge.url = "https://ca.example/chall/" + tok;
  t.challenge.token = tok;
  t.key_authorization = tok + ".thumbprint";
  return t;
}

TEST(DnsProviderSolverTest, DelegatesThroughTheResolverPollsItAndCleansUp) {
  RecordingProvider api;
  FakeDnsClient resolver;
  resolver.cnames["_acme-challenge.example.com."] = "x.example.net.";
  FakeClock clock;
  DnsProviderSolverOptions o;
  o.ttl = 60;
  o.cname_resolver = &resolver;
  o.poll_server = &resolver;
  o.fixed_wait = 5s;
  DnsProviderSolver solver(api, clock, o);
  auto task = Task("example.com", "t1");
  const std::string v = Dns01TxtValue(task.key_authorization);
  solver.Present(task);
  resolver.txt["x.example.net."] = {v};  // as the provider publishes it
  solver.Wait();
  solver.CleanUp(task);
  EXPECT_THAT(api.calls,
              ElementsAre("zone x.example.net",
                          "add example.net. x.example.net " + v + " 60",
                          "delete example.net. x.example.net " + v));
  EXPECT_EQ(resolver.calls.back(), "query x.example.net.");
  EXPECT_THAT(clock.sleeps(), ElementsAre(Duration(5s)));
}

// The CA asks the zone's authoritative servers, so those are polled: found
// through the resolver (NS, then addresses), each polled directly.
TEST(DnsProviderSolverTest, PollsEveryAuthoritativeServerOfTheZone) {
  RecordingProvider api;
  FakeDnsClient resolver;
  resolver.ns["example.net."] = {"ns1.example.net.", "ns2.example.org."};
  resolver.addresses["ns1.example.net."] = {"192.0.2.1", "2001:db8::1"};
  resolver.addresses["ns2.example.org."] = {"192.0.2.2"};
  auto task = Task("www.example.net", "t1");
  const std::string v = Dns01TxtValue(task.key_authorization);
  std::vector<std::string> connected;
  FakeClock clock;
  DnsProviderSolverOptions o;
  o.poll_server = &resolver;
  o.authoritative_port = 5353;
  o.connect = [&](const DnsServerAddress& server) {
    connected.push_back(server.ToString());
    auto client = std::make_unique<FakeDnsClient>();
    client->txt["_acme-challenge.www.example.net."] = {v};
    // The second server lags one poll behind.
    if (server.ip == "192.0.2.2") client->hidden_until_query[v] = 2;
    return client;
  };
  DnsProviderSolver solver(api, clock, o);
  solver.Present(task);
  solver.Wait();
  EXPECT_THAT(connected, ElementsAre("192.0.2.1:5353", "[2001:db8::1]:5353",
                                     "192.0.2.2:5353"));
  EXPECT_EQ(clock.sleeps().size(), 1u);  // one pause for the lagging one
  EXPECT_THAT(resolver.calls,
              ElementsAre("ns example.net.", "addresses ns1.example.net.",
                          "addresses ns2.example.org."));

  // No name server found: the resolver itself is polled.
  FakeDnsClient bare;
  bare.txt["_acme-challenge.www.example.net."] = {v};
  o.poll_server = &bare;
  connected.clear();
  DnsProviderSolver fallback(api, clock, o);
  fallback.Present(task);
  fallback.Wait();
  EXPECT_THAT(connected, IsEmpty());
  EXPECT_EQ(bare.calls.back(), "query _acme-challenge.www.example.net.");

  // A server that never shows the value fails the wait.
  o.poll_server = &resolver;
  o.poll.timeout = 3s;
  o.connect = [](const DnsServerAddress&) {
    return std::make_unique<FakeDnsClient>();
  };
  DnsProviderSolver never(api, clock, o);
  never.Present(task);
  EXPECT_THROW(never.Wait(), DnsPropagationError);
}

TEST(DnsProviderSolverTest, ARefusedAddIsPassedOnAndStillCleanedUp) {
  RecordingProvider api;
  api.add_status = 429;
  FakeClock clock;
  DnsProviderSolver solver(api, clock, {});
  auto task = Task("example.com", "t1");
  try {
    solver.Present(task);
    FAIL();
  } catch (const DnsProviderError& e) {
    EXPECT_EQ(e.status(), 429);
  }
  solver.CleanUp(task);  // the add may have landed
  EXPECT_EQ(api.calls.back().rfind("delete example.net. ", 0), 0u);
}

TEST(DnsProviderSolverTest, NoZoneMeansNothingToCleanUpAndFailuresAreLogged) {
  RecordingProvider api;
  api.no_zone = true;
  FakeClock clock;
  DnsProviderSolver solver(api, clock, {});
  auto task = Task("example.com", "t1");
  EXPECT_THROW(solver.Present(task), DnsProviderError);
  solver.CleanUp(task);
  EXPECT_THAT(api.calls, ElementsAre("zone _acme-challenge.example.com"));

  RecordingProvider flaky;
  flaky.delete_fails = true;
  DnsProviderSolver other(flaky, clock, {});
  other.Present(task);
  other.CleanUp(task);  // logs, does not throw
  other.Wait();         // nothing left to wait for
  EXPECT_EQ(flaky.calls.size(), 3u);
}

}  // namespace
}  // namespace certpilot::solvers
