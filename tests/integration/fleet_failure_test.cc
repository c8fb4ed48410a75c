// Fleet failures that must lose nothing (issue #17, cases 1 to 7): three
// certpilot nodes, each in a network namespace of its own that the test creates
// (support/netns.h), each with its `certpilot agent` (the built binary, a
// separate process) serving HTTP-01 on its namespace's address at the port
// Pebble validates; a real 3-member TLS etcd cluster and Pebble, both also
// listening on the host's address of that private network. Pebble's mock DNS
// points each name at a node other than the renewer, so the CA's validation
// always crosses the network to another node's agent.
//
// Every lineage starts as version 1 published by `fleet push` from node 0
// with renew_before_expiry = 2 hours in its renewal conf (Pebble issues
// one-hour certificates), and every agent has materialized it: each node's
// `renew` finds it due, so what stops a second renewal is the fleet's lock
// and its double check, never the clock.
//
// Needs root (network namespaces): without it the fixture throws and every
// test fails; it never skips.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "etcd/client.h"
#include "fleet/deployment_record.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/cli_harness.h"
#include "support/daemon.h"
#include "support/etcd_cluster.h"
#include "support/netns.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"
#include "util/error.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "/fleet-failure";
constexpr int kNodes = 3;

PebbleOptions OneHourCertificatesAt(const std::string& address) {
  PebbleOptions o;
  o.certificate_validity_seconds = 3600;
  o.acme_address = address;
  return o;
}

// A renewer a test holds (stopped, or waiting in its pre-hook) is killed
// when the test ends early, so that the std::future waiting for it does
// not wait forever. Declared after that future: destroyed before it.
struct KillOnEarlyExit {
  pid_t pid = -1;
  ~KillOnEarlyExit() {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
};

class FleetFailureTest : public ::testing::Test {
 protected:
  FleetFailureTest() {
    key_path_ = keys_.Write("fleet.key", key_);
    fs::permissions(key_path_, fs::perms::owner_read | fs::perms::owner_write);
    tls_.ca_bundle = cluster_.ca_file();
    http_ = std::make_unique<http::CurlHttpClient>(tls_);
    etcd::ClientOptions options;
    options.endpoints = cluster_.endpoints();
    etcd_ = std::make_unique<etcd::Client>(*http_, options);
    for (int i = 0; i < kNodes; ++i)
      nodes_.push_back(std::make_unique<CliHarness>(pebble_));
  }

  static std::string Node(int i) { return "node-" + std::to_string(i); }
  const CliHarness& At(int i) const { return *nodes_[i]; }

  // The --fleet-* options of node i: etcd at the host's address of the
  // private network, the members' certificates trusted.
  std::vector<std::string> FleetArgs(int i) const {
    std::string list;
    for (const auto& e : cluster_.endpoints_at(net_.host_address()))
      list += (list.empty() ? "" : ",") + e;
    return {
        "--fleet-endpoints", list,    "--fleet-cacert",      cluster_.ca_file(),
        "--fleet-prefix",    kPrefix, "--fleet-secret-file", key_path_,
        "--fleet-node",      Node(i)};
  }

  // Node i's agent in its namespace, on its config dir, answering HTTP-01
  // on its address at the port Pebble validates, with `extra` options.
  void StartAgent(int i, const std::vector<std::string>& extra = {}) {
    DaemonSpec spec;
    spec.name = "agent " + Node(i);
    spec.argv = net_.InNode(
        i, With({CERTPILOT_BINARY, "agent", "--config-dir", At(i).config(),
                 "--work-dir", At(i).dir() / "work", "--logs-dir",
                 At(i).dir() / "agent-logs", "--http-01-address",
                 net_.node_address(i), "--http-01-port",
                 std::to_string(pebble_.http_port())},
                With(FleetArgs(i), extra)));
    spec.log_path = At(i).dir() / "agent.log";
    spec.append_log = true;
    agents_[i].Start(spec);
  }

  std::string AgentLog(int i) const {
    return ReadFileOrEmpty(At(i).dir() / "agent.log");
  }
  std::string AgentLogs() const {
    std::string all;
    for (int i = 0; i < kNodes; ++i)
      all += "--- " + Node(i) + " agent ---\n" + AgentLog(i);
    return all;
  }

  bool Registered(int i) {
    return etcd_
               ->Range(
                   etcd::KeyRange(std::string(kPrefix) + "/nodes/" + Node(i)))
               .count == 1;
  }

  // certpilot SUBCOMMAND inside node i's namespace, with node i's dirs.
  RunResult RunIn(int i, const std::string& subcommand,
                  const std::vector<std::string>& extra) const {
    return net_.Run(
        i,
        With(With({CERTPILOT_BINARY, subcommand}, At(i).CommonArgs()), extra));
  }

  RunResult Renew(int i, const std::string& name,
                  const std::vector<std::string>& extra = {}) const {
    return RunIn(i, "renew",
                 With(With({"--no-random-sleep-on-renew", "--cert-name", name},
                           FleetArgs(i)),
                      extra));
  }

  // Version 1 of `name`: issued on node 0 (its own standalone responder,
  // before any agent listens on its address), made due, pushed to the
  // fleet; then every node's agent starts (with agent_extra[i]) and
  // materializes it, and Pebble's DNS points the name at node `answering`.
  void Publish(const std::string& name, int answering,
               std::map<int, std::vector<std::string>> agent_extra = {}) {
    pebble_.AddA(name, net_.node_address(0));
    RunResult r = RunIn(0, "certonly",
                        With({"--standalone", "--http-01-address",
                              net_.node_address(0), "--http-01-port",
                              std::to_string(pebble_.http_port()), "-d", name},
                             kRegister));
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    // Accounts are not shared through etcd: each node registers its own.
    for (int i = 1; i < kNodes; ++i) {
      RunResult reg = RunIn(i, "register", kRegister);
      ASSERT_EQ(reg.exit_code, 0) << reg.Describe();
    }
    const std::string conf = At(0).config() + "/renewal/" + name + ".conf";
    std::string text = ReadFileOrEmpty(conf);
    const size_t at = text.find("version = ");
    ASSERT_NE(at, std::string::npos) << text;
    text.insert(at, "renew_before_expiry = 2 hours\n");
    std::ofstream(conf, std::ios::trunc) << text;
    r = RunIn(0, "fleet", With({"push", "--cert-name", name}, FleetArgs(0)));
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    for (int i = 0; i < kNodes; ++i) StartAgent(i, agent_extra[i]);
    for (int i = 0; i < kNodes; ++i)
      ASSERT_TRUE(WaitFor([&] { return Registered(i); })) << AgentLog(i);
    ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 1));
    pebble_.ClearA(name);
    pebble_.AddA(name, net_.node_address(answering));
  }

  int64_t FleetVersion(const std::string& name) {
    auto loaded = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
    return loaded ? loaded->version : 0;
  }
  std::string FleetCert(const std::string& name) {
    auto loaded = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
    return loaded ? loaded->files.cert : "";
  }

  // FleetVersion once etcd answers again (a new leader is being elected).
  int64_t SettledFleetVersion(const std::string& name) {
    int64_t version = -1;
    WaitFor(
        [&] {
          try {
            version = FleetVersion(name);
            return true;
          } catch (const Error&) {
            return false;
          }
        },
        std::chrono::seconds(30));
    return version;
  }

  // Every version in node i's archive is whole: all four files, the
  // fullchain its cert and chain. "" or what is wrong.
  std::string CheckArchive(int i, const std::string& name) const {
    const std::string archive = At(i).config() + "/archive/" + name + "/";
    for (int v = 1; fs::exists(archive + "cert" + std::to_string(v) + ".pem");
         ++v) {
      const std::string n = std::to_string(v) + ".pem";
      for (const char* kind : {"chain", "fullchain", "privkey"})
        if (ReadFileOrEmpty(archive + kind + n).empty())
          return std::string(kind) + n + " is missing or empty";
      if (ReadFileOrEmpty(archive + "fullchain" + n) !=
          ReadFileOrEmpty(archive + "cert" + n) +
              ReadFileOrEmpty(archive + "chain" + n))
        return "fullchain" + n + " is not cert" + n + " + chain" + n;
    }
    return "";
  }

  bool Deployed(const std::string& name, int i, int64_t version) {
    for (const auto& d : fleet::LoadDeployments(*etcd_, kPrefix, name))
      if (d.node == Node(i) && d.version == version) return true;
    return false;
  }

  std::string LiveCert(int i, const std::string& name) const {
    return ReadFileOrEmpty(At(i).config() + "/live/" + name + "/cert.pem");
  }

  // Every node's agent reports `version` deployed, and its live tree is
  // that version: complete (CheckLineage) and the fleet's certificate.
  void AwaitEveryNodeAt(const std::string& name, int64_t version) {
    for (int i = 0; i < kNodes; ++i) {
      ASSERT_TRUE(WaitFor([&] { return Deployed(name, i, version); },
                          std::chrono::seconds(30)))
          << Node(i) << " never deployed v" << version << "\n"
          << AgentLogs();
      EXPECT_EQ(At(i).CheckLineage(name), "") << Node(i);
      EXPECT_EQ(LiveCert(i, name), FleetCert(name)) << Node(i);
    }
  }

  // Where node i's renew runs its pre-hook (after the fleet lock is taken,
  // before the order): it writes its renewer's pid there.
  std::string PidFile(int i) const { return At(i).dir() / "renewer.pid"; }
  std::string WritePidHook(int i) const {
    return "echo $PPID > " + PidFile(i) + ".tmp; mv " + PidFile(i) + ".tmp " +
           PidFile(i);
  }
  pid_t AwaitRenewerPid(int i) const {
    if (!WaitFor([&] { return fs::exists(PidFile(i)); },
                 std::chrono::seconds(30)))
      return -1;
    return std::stoi(ReadFileOrEmpty(PidFile(i)));
  }

  std::string LockKey(const std::string& name) const {
    return std::string(kPrefix) + "/locks/" + name;
  }
  bool Locked(const std::string& name) {
    return etcd_->Range(etcd::KeyRange(LockKey(name))).count == 1;
  }

  NetnsNetwork net_{kNodes};
  TempDir keys_{"certpilot-fleet-failure"};
  const std::string key_ = std::string(32, 'f');
  std::string key_path_;
  EtcdCluster cluster_{{.extra_address = net_.host_address()}};
  PebbleFixture pebble_{OneHourCertificatesAt(net_.host_address())};
  http::CurlOptions tls_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<etcd::Client> etcd_;
  std::vector<std::unique_ptr<CliHarness>> nodes_;
  Daemon agents_[kNodes];
};

// 1. Node 1 renews; Pebble's DNS names only node 2, so the CA's
// validation reaches node 2's agent, which serves the token node 1
// published: issued, and every node converges on the new version.
TEST_F(FleetFailureTest, ValidationReachesAnotherNodeWhileOneRenews) {
  const std::string name = "elsewhere.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  const std::string before = FleetCert(name);
  RunResult r1 = Renew(1, name);
  ASSERT_EQ(r1.exit_code, 0) << r1.Describe() << AgentLogs();
  EXPECT_EQ(FleetVersion(name), 2);
  EXPECT_NE(FleetCert(name), before);
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 2));
  // Withdrawn once issued: no token is left for the agents to serve.
  EXPECT_TRUE(
      etcd_->RangePrefix(std::string(kPrefix) + "/challenges/").kvs.empty());
}

// 2. Node 0 renews and is SIGKILLed mid-order: its token is published and
// it waits in the self-check for node 2, whose agent is stopped (SIGSTOP)
// so it cannot answer. Node 1, waiting for the lock, takes it once the dead
// renewer's lease runs out and renews: one new version, not two, and
// every node converges on it.
TEST_F(FleetFailureTest, RenewerKilledMidOrderAnotherNodeCompletes) {
  const std::string name = "killed.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  const std::string before = FleetCert(name);
  ASSERT_EQ(::kill(agents_[2].pid(), SIGSTOP), 0);

  auto renew0 = std::async(std::launch::async, [&] {
    return Renew(0, name,
                 {"--pre-hook", WritePidHook(0), "--fleet-lock-ttl", "3"});
  });
  const pid_t renewer = AwaitRenewerPid(0);
  ASSERT_GT(renewer, 0);
  KillOnEarlyExit guard{renewer};
  // Mid-order: the CA gave the order its challenge and node 0 published it.
  ASSERT_TRUE(WaitFor(
      [&] {
        return !etcd_->RangePrefix(std::string(kPrefix) + "/challenges/")
                    .kvs.empty();
      },
      std::chrono::seconds(30)));
  ASSERT_EQ(::kill(renewer, SIGKILL), 0);
  EXPECT_EQ(renew0.get().exit_code, 128 + SIGKILL);
  guard.pid = -1;
  ASSERT_EQ(::kill(agents_[2].pid(), SIGCONT), 0);

  RunResult r1 = Renew(1, name, {"--lock-wait", "60"});
  ASSERT_EQ(r1.exit_code, 0) << r1.Describe() << AgentLogs();
  EXPECT_EQ(FleetVersion(name), 2);
  EXPECT_NE(FleetCert(name), before);
  EXPECT_FALSE(Locked(name));
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 2));
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(At(i).Version(name), 2) << Node(i);
    EXPECT_FALSE(
        fs::exists(At(i).config() + "/archive/" + name + "/cert3.pem"));
  }
}

// 3. Node 0 takes the lock, then stops (SIGSTOP from its pre-hook) past
// the lock's 2-second lease; node 1 renews meanwhile. Node 0, resumed,
// orders and tries to publish: the fence refuses (exit 1, saying so); the
// fleet keeps node 1's version, and node 0's tree is node 1's version too
// (its agent's), never its own.
TEST_F(FleetFailureTest, PausedRenewerIsFencedOff) {
  const std::string name = "paused.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  auto renew0 = std::async(std::launch::async, [&] {
    return Renew(0, name,
                 {"--pre-hook", WritePidHook(0) + "; kill -STOP $PPID",
                  "--fleet-lock-ttl", "2"});
  });
  const pid_t renewer = AwaitRenewerPid(0);
  ASSERT_GT(renewer, 0);
  KillOnEarlyExit guard{renewer};
  ASSERT_TRUE(WaitFor([&] { return !Locked(name); }, std::chrono::seconds(30)));

  RunResult r1 = Renew(1, name);
  ASSERT_EQ(r1.exit_code, 0) << r1.Describe() << AgentLogs();
  ASSERT_EQ(FleetVersion(name), 2);
  const std::string node1_cert = FleetCert(name);

  ASSERT_EQ(::kill(renewer, SIGCONT), 0);
  RunResult r0 = renew0.get();
  guard.pid = -1;
  EXPECT_EQ(r0.exit_code, 1) << r0.Describe();
  EXPECT_NE(r0.err.find("lock lost; another node's version stands"),
            std::string::npos)
      << r0.err;
  EXPECT_EQ(FleetVersion(name), 2);
  EXPECT_EQ(FleetCert(name), node1_cert);
  // Node 0's agent waited for its renewer's lineage lock, then took v2.
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 2));
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(LiveCert(i, name), node1_cert) << Node(i);
    EXPECT_EQ(At(i).CheckLineage(name), "") << Node(i);
    EXPECT_FALSE(
        fs::exists(At(i).config() + "/archive/" + name + "/cert3.pem"));
  }
}

// 4. The etcd leader is stopped while node 0 renews (held in its pre-hook
// after taking the lock, released once the leader is down). That run
// completes, or fails cleanly (exit 1, the lineage named); the next run,
// from node 1, completes; every node converges on it, and no node's
// archive ever holds a partly written version.
TEST_F(FleetFailureTest, EtcdLeaderStoppedMidRenewal) {
  const std::string name = "leader.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  const std::string go = At(0).dir() / "go";
  const std::string hold = WritePidHook(0) + "; i=0; while [ ! -e " + go +
                           " ] && [ $i -lt 1200 ]; do sleep 0.05; " +
                           "i=$((i+1)); done";
  auto renew0 = std::async(std::launch::async, [&] {
    return Renew(0, name, {"--pre-hook", hold, "--fleet-lock-ttl", "5"});
  });
  const pid_t renewer = AwaitRenewerPid(0);
  ASSERT_GT(renewer, 0);
  KillOnEarlyExit guard{renewer};
  const int leader = cluster_.LeaderIndex();
  ASSERT_GE(leader, 0) << cluster_.Logs();
  cluster_.StopMember(leader);
  std::ofstream(go) << "";
  RunResult r0 = renew0.get();
  guard.pid = -1;
  ASSERT_TRUE(r0.exit_code == 0 || r0.exit_code == 1) << r0.Describe();
  if (r0.exit_code == 1) {
    EXPECT_NE(r0.err.find(name), std::string::npos);
  }
  const int64_t first = SettledFleetVersion(name);
  EXPECT_EQ(first, r0.exit_code == 0 ? 2 : 1) << r0.Describe();
  std::cerr << "[ fleet ] first run with the leader (member " << leader
            << ") stopped: exit " << r0.exit_code << ", fleet version " << first
            << "\n";

  RunResult r1 = Renew(1, name, {"--lock-wait", "60"});
  ASSERT_EQ(r1.exit_code, 0) << r1.Describe() << AgentLogs();
  EXPECT_EQ(SettledFleetVersion(name), first + 1);
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, first + 1));
  for (int i = 0; i < kNodes; ++i)
    EXPECT_EQ(CheckArchive(i, name), "") << Node(i);
}

// 5. Node 1 is cut off (its link down) across a renewal by node 0. Its
// agent, registered for only 3 s after its last heartbeat, drops out of the
// renewer's self-check; meanwhile it keeps its files and keeps serving (its
// responder answers inside its namespace); when its link is back it
// registers again and converges on the new version.
TEST_F(FleetFailureTest, PartitionedNodeKeepsItsFilesAndConverges) {
  const std::string name = "partition.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2, {{1, {"--fleet-node-ttl", "3"}}}));
  const std::string v1_cert = LiveCert(1, name);
  const std::string v1_key =
      ReadFileOrEmpty(At(1).config() + "/live/" + name + "/privkey.pem");
  net_.SetLinkUp(1, false);
  ASSERT_TRUE(
      WaitFor([&] { return !Registered(1); }, std::chrono::seconds(30)));

  RunResult r0 = Renew(0, name);
  ASSERT_EQ(r0.exit_code, 0) << r0.Describe() << AgentLogs();
  ASSERT_EQ(FleetVersion(name), 2);
  for (int i : {0, 2})
    ASSERT_TRUE(WaitFor([&] { return Deployed(name, i, 2); }))
        << Node(i) << AgentLogs();
  EXPECT_EQ(LiveCert(1, name), v1_cert);
  EXPECT_EQ(ReadFileOrEmpty(At(1).config() + "/live/" + name + "/privkey.pem"),
            v1_key);
  EXPECT_EQ(At(1).CheckLineage(name), "");
  EXPECT_FALSE(agents_[1].Ended()) << AgentLog(1);
  RunResult serving =
      net_.Run(1, {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w",
                   "%{http_code}", "--max-time", "10",
                   "http://" + net_.node_address(1) + ":" +
                       std::to_string(pebble_.http_port()) +
                       "/.well-known/acme-challenge/no-such-token"});
  EXPECT_EQ(serving.out, "404") << serving.Describe();

  net_.SetLinkUp(1, true);
  ASSERT_TRUE(WaitFor([&] { return Registered(1); }, std::chrono::seconds(30)))
      << AgentLog(1);
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 2));
  EXPECT_NE(LiveCert(1, name), v1_cert);
}

// 6. All of etcd down: a renewal fails with a message that says so (exit
// 1), and every node keeps its files and keeps serving: its agent runs on,
// its responder answers. When etcd is back the fleet is as it was.
TEST_F(FleetFailureTest, AllOfEtcdDownRenewFailsAndEveryNodeKeepsServing) {
  const std::string name = "dark.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  std::vector<std::string> files;
  auto node_files = [&](int i) {
    const std::string live = At(i).config() + "/live/" + name + "/";
    return ReadFileOrEmpty(live + "cert.pem") +
           ReadFileOrEmpty(live + "privkey.pem") +
           ReadFileOrEmpty(live + "fullchain.pem");
  };
  for (int i = 0; i < kNodes; ++i) files.push_back(node_files(i));
  for (int m = 0; m < 3; ++m) cluster_.StopMember(m);

  RunResult r0 = Renew(0, name);
  EXPECT_EQ(r0.exit_code, 1) << r0.Describe();
  EXPECT_NE(r0.err.find("etcd"), std::string::npos) << r0.err;
  EXPECT_NE(r0.err.find(name), std::string::npos) << r0.err;
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(node_files(i), files[i]) << Node(i);
    EXPECT_EQ(At(i).CheckLineage(name), "") << Node(i);
    EXPECT_EQ(At(i).Version(name), 1) << Node(i);
    EXPECT_FALSE(agents_[i].Ended()) << AgentLog(i);
    RunResult serving =
        net_.Run(i, {"/usr/bin/curl", "-s", "-o", "/dev/null", "-w",
                     "%{http_code}", "--max-time", "10",
                     "http://" + net_.node_address(i) + ":" +
                         std::to_string(pebble_.http_port()) +
                         "/.well-known/acme-challenge/no-such-token"});
    EXPECT_EQ(serving.out, "404") << Node(i) << serving.Describe();
  }

  cluster_.StartMembers({0, 1, 2});
  EXPECT_EQ(SettledFleetVersion(name), 1);
  for (int i = 0; i < kNodes; ++i)
    EXPECT_EQ(node_files(i), files[i]) << Node(i);
}

// 7. Every value in etcd, as etcdctl reads it (`get "" --prefix`), after a
// push and a renewal: no private key of any version in the clear, neither
// its PEM armour nor any line of its base64 body.
TEST_F(FleetFailureTest, EtcdctlFindsNoPrivateKeyInTheClear) {
  const std::string name = "sealed.fleet-failure.example";
  ASSERT_NO_FATAL_FAILURE(Publish(name, 2));
  const std::string live_key =
      At(0).config() + "/live/" + name + "/privkey.pem";
  std::vector<std::string> keys = {ReadFileOrEmpty(live_key)};
  RunResult r1 = Renew(1, name);
  ASSERT_EQ(r1.exit_code, 0) << r1.Describe() << AgentLogs();
  ASSERT_NO_FATAL_FAILURE(AwaitEveryNodeAt(name, 2));
  keys.push_back(ReadFileOrEmpty(live_key));

  const std::string all = cluster_.Etcdctl({"get", "", "--prefix"});
  ASSERT_NE(all.find(std::string(kPrefix) + "/"), std::string::npos) << all;
  ASSERT_NE(all.find(name), std::string::npos);
  EXPECT_EQ(all.find("PRIVATE KEY"), std::string::npos);
  int lines = 0;
  for (const std::string& pem : keys) {
    std::istringstream in(pem);
    for (std::string line; std::getline(in, line);) {
      // Short lines (the last one) could match by chance.
      if (line.size() < 16 || line.rfind("-----", 0) == 0) continue;
      ++lines;
      EXPECT_EQ(all.find(line), std::string::npos) << line;
    }
  }
  EXPECT_GE(lines, 2);
}

}  // namespace
}  // namespace certpilot::testing
