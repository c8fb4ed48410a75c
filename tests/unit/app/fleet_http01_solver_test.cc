#include "app/wiring/fleet_http01_solver.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "app/wiring/fleet_nodes.h"
#include "fleet/challenge_record.h"
#include "support/fake_clock.h"
#include "support/fake_etcd.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using testing::FakeEtcd;

// Nodes as the self-check sees them: URL -> what it answers (its Host
// header recorded).
class FakeNodes : public http::HttpClient {
 public:
  http::Response Do(const http::Request& r) override {
    hosts.push_back(r.headers.at(0).second);
    auto it = answer.find(r.url);
    if (it == answer.end()) throw http::TransportError(r.url, "refused");
    return it->second(r);
  }
  std::map<std::string, std::function<http::Response(const http::Request&)>>
      answer;
  std::vector<std::string> hosts;
};

issuance::ChallengeTask Task(const std::string& name,
                             const std::string& token) {
  issuance::ChallengeTask t;
  t.identifier.type = "dns";
  t.identifier.value = name;
  t.challenge.token = token;
  t.key_authorization = token + ".thumb";
  return t;
}

class FleetHttp01SolverTest : public ::testing::Test {
 protected:
  void Register(const std::string& name, const std::string& address) {
    const etcd::Lease lease = client_.LeaseGrant(30);
    FleetNode node;
    node.name = name;
    node.address = address;
    RegisterFleetNode(client_, "/p", node, lease.id);
  }
  // A node that serves whatever etcd holds, as an agent does.
  void Serving(const std::string& address, const std::string& token) {
    nodes_.answer["http://" + address + "/.well-known/acme-challenge/" +
                  token] = [this, token](const http::Request&) {
      http::Response r;
      auto ka = fleet::LookupChallenge(client_, "/p", token);
      r.status = ka ? 200 : 404;
      r.body = ka.value_or("");
      return r;
    };
  }
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
  FakeNodes nodes_;
  testing::FakeClock clock_;
  FleetHttp01Options options_{"/p", 600, std::chrono::seconds(5),
                              std::chrono::milliseconds(200)};
};

TEST_F(FleetHttp01SolverTest, PublishesChecksEveryNodeAndWithdraws) {
  Register("web1", "127.0.0.2:80");
  Register("web2", "127.0.0.3:80");
  Serving("127.0.0.2:80", "tok");
  Serving("127.0.0.3:80", "tok");
  const issuance::ChallengeTask task = Task("a.example", "tok");
  {
    FleetHttp01Solver solver(client_, nodes_, clock_, options_);
    solver.Present(task);
    const auto published = fake_.Get("/p/challenges/tok");
    ASSERT_TRUE(published);
    EXPECT_EQ(published->value, "tok.thumb");
    EXPECT_NE(published->lease, 0);
    solver.Wait();
    EXPECT_EQ(nodes_.hosts,
              (std::vector<std::string>{"a.example", "a.example"}));
    solver.CleanUp(task);
    EXPECT_FALSE(fake_.Get("/p/challenges/tok"));
  }
  EXPECT_EQ(fake_.lease_count(), 2u);  // the nodes' leases; the solver's gone
}

TEST_F(FleetHttp01SolverTest, ANodeThatDoesNotServeIsNamedBeforeTheCaIsAsked) {
  Register("web1", "127.0.0.2:80");
  Register("web2", "127.0.0.3:80");
  Serving("127.0.0.2:80", "tok");
  nodes_.answer["http://127.0.0.3:80/.well-known/acme-challenge/tok"] =
      [](const http::Request&) {
        return http::Response{404, {}, "no"};
      };
  FleetHttp01Solver solver(client_, nodes_, clock_, options_);
  const issuance::ChallengeTask task = Task("a.example", "tok");
  solver.Present(task);
  try {
    solver.Wait();
    FAIL() << "Wait should fail";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("node web2 (127.0.0.3:80)"), std::string::npos) << what;
    EXPECT_NE(what.find("answered 404"), std::string::npos) << what;
    EXPECT_EQ(what.find("node web1"), std::string::npos) << what;
  }
  EXPECT_FALSE(clock_.sleeps().empty());  // it polled, on the fake clock
  solver.CleanUp(task);
  EXPECT_FALSE(fake_.Get("/p/challenges/tok"));
}

TEST_F(FleetHttp01SolverTest, NoRegisteredNodeIsAFailure) {
  FleetHttp01Solver solver(client_, nodes_, clock_, options_);
  solver.Present(Task("a.example", "tok"));
  EXPECT_THROW(solver.Wait(), Error);
}

}  // namespace
}  // namespace certpilot::app
