// `certificates` and `fleet status` in fleet mode (issue #17), the built
// binary as separate processes ("nodes": each its own config/work dirs and
// --fleet-node) against a real 3-member etcd cluster and Pebble: node A
// issues in the fleet; node B, with no copy of it, no agent and no fleet
// key, lists it with A's deployed serial, and its own lineage marked as
// local only; `fleet status` right after A's certonly shows A not lagging
// (the renewer recorded its own deployment).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/certificate.h"
#include "etcd/client.h"
#include "support/cli_harness.h"
#include "support/fleet_bed.h"
#include "support/free_port.h"
#include "support/run_binary.h"
#include "support/shared_pebble.h"

namespace certpilot::testing {
namespace {

constexpr char kPrefix[] = "/fleet-certificates";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class FleetCertificatesTest : public SharedPebbleTest<3600>,
                              protected FleetBed {
 protected:
  FleetCertificatesTest() : FleetBed('c', kPrefix) {}

  // Node B's --fleet-* options: without --fleet-secret-file (listing opens
  // no sealed key, so a node without the fleet key can list).
  std::vector<std::string> KeylessArgs(const std::string& node) const {
    std::vector<std::string> args = FleetArgs(node);
    auto it = std::find(args.begin(), args.end(), "--fleet-secret-file");
    if (it != args.end()) args.erase(it, it + 2);
    return args;
  }
  // Registers `node` as its agent would: under a lease.
  void Register(const std::string& node) {
    const etcd::Lease lease = etcd_->LeaseGrant(60);
    etcd_->Put({std::string(kPrefix) + "/nodes/" + node,
                R"({"address":"127.0.0.1:1"})", lease.id});
  }
  std::string Serial(const CliHarness& node, const std::string& name) const {
    return crypto::Certificate::FromPem(
               ReadFileOrEmpty(node.config() + "/live/" + name + "/cert.pem"))
        .SerialHex();
  }

  CliHarness a_{*pebble_};
  CliHarness b_{*pebble_};
};

TEST_F(FleetCertificatesTest, ANodeWithoutTheLineageListsItWithTheFleets) {
  const std::string name = "list.example.com";
  RunResult issued = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(issued.exit_code, 0) << issued.Describe();
  const std::string serial = Serial(a_, name);
  // B's own lineage, which the fleet lacks.
  RunResult own = b_.Certonly({"-d", "own.example.com"});
  ASSERT_EQ(own.exit_code, 0) << own.Describe();
  Register("node-a");
  Register("node-b");

  // `fleet status` right after certonly: A recorded its own deployment, so
  // it does not lag; B (registered, no record) does.
  RunResult status =
      RunCertpilot(With({"fleet", "status", "--json"}, KeylessArgs("node-b")));
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  const nlohmann::json s = nlohmann::json::parse(status.out);
  ASSERT_EQ(s["lineages"].size(), 1u) << s.dump();
  EXPECT_EQ(s["lineages"][0]["name"], name);
  EXPECT_EQ(s["lineages"][0]["lagging"], nlohmann::json({"node-b"}));
  ASSERT_EQ(s["lineages"][0]["deployed"].size(), 1u);
  EXPECT_EQ(s["lineages"][0]["deployed"][0]["node"], "node-a");
  EXPECT_EQ(s["lineages"][0]["deployed"][0]["serial"], serial);

  RunResult listed = b_.Run("certificates", KeylessArgs("node-b"));
  ASSERT_EQ(listed.exit_code, 0) << listed.Describe();
  EXPECT_TRUE(Contains(listed.out, "  Certificate Name: " + name + "\n" +
                                       "    Serial Number: " + serial + "\n"))
      << listed.out;
  EXPECT_TRUE(Contains(listed.out, "    Fleet Version: 1\n")) << listed.out;
  EXPECT_TRUE(
      Contains(listed.out, "    Deployed: node-a v1 serial " + serial + " ("))
      << listed.out;
  EXPECT_TRUE(Contains(listed.out, "    Lagging: node-b\n")) << listed.out;
  EXPECT_TRUE(Contains(listed.out, "  Certificate Name: own.example.com\n"))
      << listed.out;
  EXPECT_TRUE(Contains(listed.out,
                       "    Fleet: not in the fleet; `certpilot fleet push` "
                       "uploads it\n"))
      << listed.out;
  // B holds no copy of A's lineage: listing did not write one.
  EXPECT_EQ(b_.Version(name), 0);

  RunResult json =
      b_.Run("certificates", With({"--json"}, KeylessArgs("node-b")));
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  const nlohmann::json j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j.size(), 2u) << j.dump();
  EXPECT_EQ(j[0]["name"], name);
  EXPECT_EQ(j[0]["serial"], serial);
  EXPECT_EQ(j[0]["fleet"]["version"], 1);
  EXPECT_EQ(j[0]["fleet"]["deployed"][0]["node"], "node-a");
  EXPECT_EQ(j[0]["fleet"]["deployed"][0]["serial"], serial);
  EXPECT_EQ(j[0]["fleet"]["lagging"], nlohmann::json({"node-b"}));
  EXPECT_EQ(j[1]["name"], "own.example.com");
  EXPECT_TRUE(j[1].contains("fleet"));
  EXPECT_TRUE(j[1]["fleet"].is_null());

  // Without fleet options: this node's own lineage only, as always.
  RunResult local = b_.Run("certificates", {"--json"});
  ASSERT_EQ(local.exit_code, 0) << local.Describe();
  const nlohmann::json l = nlohmann::json::parse(local.out);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_FALSE(l[0].contains("fleet"));
}

TEST_F(FleetCertificatesTest, EtcdDownIsAClearFailure) {
  PortReservation closed;
  const int port = closed.Reserve();
  RunResult r =
      b_.Run("certificates",
             {"--fleet-endpoints", "https://127.0.0.1:" + std::to_string(port),
              "--fleet-prefix", kPrefix});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "cannot list the fleet's certificates")) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace certpilot::testing
