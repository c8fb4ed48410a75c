// `delete`, `revoke` and `fleet push` in fleet mode (issue #17): the built
// binary as separate processes ("nodes": each its own config dir and
// --fleet-node) against a real 3-member etcd cluster and Pebble, with other
// nodes' agents as daemons (--no-renew: they only materialize and delete).
//
// A fleet delete leaves a tombstone in `current` and no vN/ key; each
// agent then deletes its copy (one that was down, when it starts again),
// except one whose nginx still uses it (its
// renewal conf names a fake nginx root whose nginx.conf points into its
// live/ directory); a stale copy cannot be pushed back without --force;
// a fleet revoke revokes the fleet's version, not the node's older copy,
// and deletes fleet-wide, by --cert-name or by --cert-path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "etcd/client.h"
#include "fleet/deployment_record.h"
#include "fleet/lineage_record.h"
#include "fleet/lineage_tombstone.h"
#include "support/cli_harness.h"
#include "support/daemon.h"
#include "support/fleet_bed.h"
#include "support/free_port.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "/fleet-delete";

class FleetDeleteTest : public SharedPebbleTest<>, protected FleetBed {
 protected:
  FleetDeleteTest() : FleetBed('d', kPrefix) {}

  // `node`'s agent on `h`'s tree, logging to h's dir/agent.log.
  void StartAgent(Daemon& daemon, const CliHarness& h,
                  const std::string& node) {
    DaemonSpec spec;
    spec.name = "agent " + node;
    spec.argv = {CERTPILOT_BINARY,    "agent",
                 "--config-dir",      h.config(),
                 "--work-dir",        h.dir() / "agent-work",
                 "--logs-dir",        h.dir() / "agent-logs",
                 "--http-01-address", "127.0.0.1",
                 "--http-01-port",    std::to_string(FreeLoopbackPort()),
                 "--no-renew"};
    const std::vector<std::string> fleet = FleetArgs(node);
    spec.argv.insert(spec.argv.end(), fleet.begin(), fleet.end());
    spec.log_path = h.dir() / "agent.log";
    daemon.Start(spec);
  }

  std::string AgentLog(const CliHarness& h) {
    return ReadFileOrEmpty(h.dir() / "agent.log");
  }

  bool Deployed(const std::string& lineage, const std::string& node,
                int64_t version) {
    for (const auto& d : fleet::LoadDeployments(*etcd_, kPrefix, lineage))
      if (d.node == node && d.version == version) return true;
    return false;
  }

  // Whether `h`'s tree holds any of `name`'s files.
  static bool HasAny(const CliHarness& h, const std::string& name) {
    return fs::exists(h.config() + "/live/" + name) ||
           fs::exists(h.config() + "/archive/" + name) ||
           fs::exists(h.config() + "/renewal/" + name + ".conf");
  }

  // Every key under the lineage's etcd prefix.
  std::vector<std::string> LineageKeys(const std::string& name) {
    std::vector<std::string> keys;
    for (const auto& kv :
         etcd_->RangePrefix(std::string(kPrefix) + "/lineages/" + name + "/")
             .kvs)
      keys.push_back(kv.key);
    return keys;
  }

  // A fake nginx root whose nginx.conf serves `live_dir`'s certificate.
  static void FakeNginxUsing(const TempDir& root, const std::string& live_dir) {
    std::ofstream(root / "nginx.conf")
        << "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    "
           "ssl_certificate "
        << live_dir << "/fullchain.pem;\n  }\n}\n";
  }

  std::string FleetSerial(const std::string& name) {
    auto loaded = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
    return loaded ? crypto::Certificate::FromPem(loaded->files.cert).SerialHex()
                  : "";
  }

  CliHarness a_{*pebble_};
  CliHarness b_{*pebble_};
  CliHarness c_{*pebble_};
  CliHarness d_{*pebble_};
};

TEST_F(FleetDeleteTest, DeleteGoesFromEveryNodeButOneWhoseNginxUsesIt) {
  const std::string name = "del.example.com";
  RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  Daemon agent_b, agent_c, agent_d;
  StartAgent(agent_b, b_, "node-b");
  StartAgent(agent_c, c_, "node-c");
  StartAgent(agent_d, d_, "node-d");
  ASSERT_TRUE(WaitFor([&] { return Deployed(name, "node-b", 1); }))
      << AgentLog(b_);
  ASSERT_TRUE(WaitFor([&] { return Deployed(name, "node-c", 1); }))
      << AgentLog(c_);
  ASSERT_TRUE(WaitFor([&] { return Deployed(name, "node-d", 1); }))
      << AgentLog(d_);
  // Node D is down while the lineage is deleted.
  agent_d.Stop();

  // Node C's nginx serves it: its renewal conf names that nginx's root (an
  // agent materializes the conf only when the fleet's version changes).
  TempDir nginx_c;
  FakeNginxUsing(nginx_c, c_.config() + "/live/" + name);
  const std::string conf_c = c_.config() + "/renewal/" + name + ".conf";
  std::string conf = ReadFileOrEmpty(conf_c);
  ASSERT_NE(conf.find("[renewalparams]\n"), std::string::npos) << conf;
  conf.replace(conf.find("[renewalparams]\n"), 16,
               "[renewalparams]\nnginx_server_root = " + nginx_c.path() + "\n");
  std::ofstream(conf_c, std::ios::trunc) << conf;

  // Node A's own nginx refuses first: the fleet is untouched.
  TempDir nginx_a;
  FakeNginxUsing(nginx_a, a_.config() + "/live/" + name);
  r = a_.Run("delete",
             With({"--cert-name", name, "--nginx-server-root", nginx_a.path()},
                  FleetArgs("node-a")));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("nginx still uses"), std::string::npos) << r.err;
  EXPECT_EQ(LineageKeys(name).size(), 6u);  // current + v1's five
  EXPECT_TRUE(HasAny(a_, name));

  // A name neither the fleet nor the node has: a usage error, as locally.
  r = a_.Run("delete",
             With({"--cert-name", "none.example.com"}, FleetArgs("node-a")));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();

  r = a_.Run("delete", With({"--cert-name", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(HasAny(a_, name));
  // A tombstone in `current`, no version left (the sealed key gone too).
  EXPECT_EQ(LineageKeys(name),
            std::vector<std::string>{std::string(kPrefix) + "/lineages/" +
                                     name + "/current"});
  const etcd::RangeResult current = etcd_->RangePrefix(
      std::string(kPrefix) + "/lineages/" + name + "/current");
  ASSERT_EQ(current.kvs.size(), 1u);
  const auto tombstone = fleet::ParseTombstone(current.kvs[0].value);
  ASSERT_TRUE(tombstone) << current.kvs[0].value;
  EXPECT_EQ(tombstone->deleted, 1);
  EXPECT_EQ(tombstone->node, "node-a");
  EXPECT_FALSE(fleet::LoadLineage(*etcd_, kPrefix, name, key_));

  // Node B's agent deletes its copy and its deployment record.
  ASSERT_TRUE(WaitFor([&] { return !HasAny(b_, name); })) << AgentLog(b_);
  ASSERT_TRUE(WaitFor([&] { return !Deployed(name, "node-b", 1); }))
      << AgentLog(b_);
  // Node D's, once it starts again: the tombstone stayed.
  EXPECT_TRUE(HasAny(d_, name));
  StartAgent(agent_d, d_, "node-d");
  ASSERT_TRUE(WaitFor([&] { return !HasAny(d_, name); })) << AgentLog(d_);
  // Node C's keeps it, and says why.
  ASSERT_TRUE(WaitFor([&] {
    return AgentLog(c_).find("nginx still uses " + name) != std::string::npos;
  })) << AgentLog(c_);
  EXPECT_NE(AgentLog(c_).find(nginx_c.path() + "/nginx.conf"),
            std::string::npos)
      << AgentLog(c_);
  EXPECT_TRUE(fs::exists(c_.config() + "/live/" + name + "/fullchain.pem"));

  // Node C's stale copy cannot resurrect it: not by renewing it...
  r = c_.Run("renew", With({"--cert-name", name, "--force-renewal",
                            "--no-random-sleep-on-renew"},
                           FleetArgs("node-c")));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE((r.out + r.err).find("the fleet deleted it"), std::string::npos)
      << r.Describe();
  EXPECT_FALSE(fleet::LoadLineage(*etcd_, kPrefix, name, key_));
  // ...nor by pushing it...
  r = c_.Run("fleet", With({"push", "--cert-name", name}, FleetArgs("node-c")));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("the fleet deleted " + name), std::string::npos)
      << r.Describe();
  EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
  EXPECT_FALSE(fleet::LoadLineage(*etcd_, kPrefix, name, key_));
  // ...except with --force: the version after the deleted one, which node
  // B's agent materializes again.
  r = c_.Run("fleet", With({"push", "--force", "--cert-name", name},
                           FleetArgs("node-c")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("pushed  " + name + " as version 2"), std::string::npos)
      << r.out;
  ASSERT_TRUE(WaitFor([&] { return Deployed(name, "node-b", 2); }))
      << AgentLog(b_);
  EXPECT_TRUE(fs::exists(b_.config() + "/live/" + name + "/cert.pem"));
}

TEST_F(FleetDeleteTest, RevokeRevokesTheFleetsVersionAndDeletesFleetWide) {
  const std::string name = "revoke.example.com";
  RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string serial_v1 = FleetSerial(name);
  // Node B, with a copy of A's tree, renews: the fleet's version is now 2,
  // node A still holds version 1.
  fs::copy(a_.config(), b_.config(),
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  r = b_.Run("renew", With({"--cert-name", name, "--force-renewal",
                            "--no-random-sleep-on-renew"},
                           FleetArgs("node-b")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_EQ(fleet::LoadLineage(*etcd_, kPrefix, name, key_)->version, 2);
  const std::string serial_v2 = FleetSerial(name);
  ASSERT_NE(serial_v1, serial_v2);
  ASSERT_EQ(a_.Version(name), 1);

  r = a_.Run("revoke", With({"--cert-name", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(pebble_->CertStatus(serial_v2), "Revoked");
  EXPECT_EQ(pebble_->CertStatus(serial_v1), "Valid");
  // -n: deleted afterwards, fleet-wide.
  EXPECT_FALSE(HasAny(a_, name));
  const auto current = fleet::ReadLineageCurrent(*etcd_, kPrefix, name);
  ASSERT_TRUE(current.tombstone);
  EXPECT_EQ(current.tombstone->deleted, 2);
  EXPECT_EQ(LineageKeys(name).size(), 1u);
}

TEST_F(FleetDeleteTest, RevokeByPathDeletesTheLineageItIsInFleetWide) {
  const std::string name = "path.example.com";
  RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string serial = FleetSerial(name);
  r = a_.Run("revoke",
             With({"--cert-path", a_.config() + "/live/" + name + "/cert.pem"},
                  FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(pebble_->CertStatus(serial), "Revoked");
  EXPECT_FALSE(HasAny(a_, name));
  const auto current = fleet::ReadLineageCurrent(*etcd_, kPrefix, name);
  ASSERT_TRUE(current.tombstone);
  EXPECT_EQ(current.tombstone->deleted, 1);
  EXPECT_EQ(LineageKeys(name).size(), 1u);
}

}  // namespace
}  // namespace certpilot::testing
