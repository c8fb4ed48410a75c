// HTTP-01 answered by every node (issue #17, failure case 1): in fleet mode
// certonly and renew publish the key authorization to etcd and each node's
// `certpilot agent` serves it, so the CA's validation may reach any node.
// Pebble's mock DNS points the name at node 2 (its agent on 127.0.0.2, on
// the port Pebble validates) while node 1, which runs no responder and no
// agent, runs certonly then renew: both issue, so node 2 answered (node 1's
// own responder, were one started, would listen on 127.0.0.1 only).
// A registered node that does not serve the token is named, and the CA is
// never asked.
// The built binary as separate processes, a real 3-member etcd cluster.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "app/wiring/fleet_nodes.h"
#include "etcd/client.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/cli_harness.h"
#include "support/daemon.h"
#include "support/etcd_cluster.h"
#include "support/fleet_bed.h"
#include "support/free_port.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

constexpr char kPrefix[] = "/fleet-http01";
constexpr char kNode2Address[] = "127.0.0.2";

class FleetHttp01Test : public SharedPebbleTest<3600>, protected FleetBed {
 protected:
  FleetHttp01Test() : FleetBed('h', kPrefix) {}

  // Node 2's agent on 127.0.0.2, on the port Pebble validates HTTP-01 at;
  // returns once it is registered.
  void StartNode2Agent() {
    DaemonSpec spec;
    spec.name = "agent node-2";
    spec.argv = With({CERTPILOT_BINARY, "agent", "--config-dir", dir_ / "node2",
                      "--work-dir", dir_ / "node2-work", "--logs-dir",
                      dir_ / "node2-logs", "--http-01-address", kNode2Address,
                      "--http-01-port", std::to_string(pebble_->http_port())},
                     FleetArgs("node-2"));
    spec.log_path = dir_ / "node2.log";
    agent_.Start(spec);
    ASSERT_TRUE(WaitFor([&] {
      return etcd_
                 ->Range(etcd::KeyRange(std::string(kPrefix) + "/nodes/node-2"))
                 .count == 1;
    })) << AgentLog();
  }

  std::string AgentLog() const {
    std::ifstream in(dir_ / "node2.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  TempDir dir_{"certpilot-fleet-http01"};
  Daemon agent_;
  CliHarness node1_{*pebble_};
};

TEST_F(FleetHttp01Test, NodeTwoAnswersWhileNodeOneOrders) {
  const std::string name = "lb.fleet-http01.example";
  pebble_->AddA(name, kNode2Address);
  StartNode2Agent();

  RunResult r = node1_.Certonly(With(
      {"-d", name, "--http-01-address", "127.0.0.1"}, FleetArgs("node-1")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << AgentLog();
  EXPECT_EQ(node1_.Version(name), 1);
  EXPECT_EQ(node1_.CheckLineage(name), "");
  auto loaded = fleet::LoadLineage(*etcd_, kPrefix, name, std::string(32, 'h'));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 1);
  // The token went away with the order.
  EXPECT_TRUE(
      etcd_->RangePrefix(std::string(kPrefix) + "/challenges/").kvs.empty());

  // renew goes the same way.
  r = node1_.Run("renew", With({"--no-random-sleep-on-renew", "--force-renewal",
                                "--cert-name", name},
                               FleetArgs("node-1")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << AgentLog();
  EXPECT_EQ(node1_.Version(name), 2);
  pebble_->ClearA(name);
}

// node-3 is registered (as its agent would be) at an address where nothing
// listens: the renewer's self-check names it and the order fails before the
// CA is asked, with no lineage and no token left behind.
TEST_F(FleetHttp01Test, ANodeThatDoesNotServeTheTokenIsNamed) {
  const std::string name = "silent.fleet-http01.example";
  pebble_->AddA(name, kNode2Address);
  StartNode2Agent();
  const int64_t lease = etcd_->LeaseGrant(120).id;
  app::FleetNode silent;
  silent.name = "node-3";
  silent.address = "127.0.0.3:" + std::to_string(FreeLoopbackPort());
  app::RegisterFleetNode(*etcd_, kPrefix, silent, lease);

  RunResult r = node1_.Certonly(With(
      {"-d", name, "--http-01-address", "127.0.0.1"}, FleetArgs("node-1")));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("node-3"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("node-2 "), std::string::npos) << r.err;
  EXPECT_EQ(node1_.Version(name), 0);
  EXPECT_FALSE(fleet::LoadLineage(*etcd_, kPrefix, name, std::string(32, 'h')));
  EXPECT_TRUE(
      etcd_->RangePrefix(std::string(kPrefix) + "/challenges/").kvs.empty());
  etcd_->LeaseRevoke(lease);
  pebble_->ClearA(name);
}

}  // namespace
}  // namespace certpilot::testing
