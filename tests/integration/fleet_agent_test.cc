// `certpilot agent` against a real 3-member etcd cluster (issue #17), the
// agents as separate processes of the built binary: materializing what the
// test publishes (PublishLineage) and reporting it deployed, serving
// published tokens, refusing a lineage its fleet key cannot open, surviving
// etcd's absence, and a SIGKILL in the middle of a batch.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "crypto/crypto_error.h"
#include "crypto/sealed_box.h"
#include "etcd/client.h"
#include "fleet/challenge_record.h"
#include "fleet/deployment_record.h"
#include "fleet/lineage_lock.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/daemon.h"
#include "support/etcd_cluster.h"
#include "support/free_port.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"
#include "unit/storage/test_certs.h"
#include "util/strings.h"

namespace certpilot::testing {
namespace {

constexpr char kPrefix[] = "/agent-test";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FleetAgentTest : public ::testing::Test {
 protected:
  FleetAgentTest() {
    tls_.ca_bundle = cluster_.ca_file();
    http_ = std::make_unique<http::CurlHttpClient>(tls_);
    etcd::ClientOptions options;
    options.endpoints = cluster_.endpoints();
    etcd_ = std::make_unique<etcd::Client>(*http_, options);
    key_path_ = WriteKey("fleet.key", std::string(32, '\x5a'));
  }

  std::string WriteKey(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.Write(name, bytes);
    ::chmod(path.c_str(), 0600);
    return path;
  }

  struct Node {
    explicit Node(std::string node_name) : name(std::move(node_name)) {}
    std::string name;
    std::string config;
    int port = 0;
    Daemon daemon;
    std::string Live(const std::string& lineage, const std::string& file) {
      return config + "/live/" + lineage + "/" + file;
    }
  };

  // Starts (or restarts) `node`'s agent with the fleet key at `key`, and
  // `extra` arguments.
  void StartAgent(Node& node, const std::string& key,
                  const std::vector<std::string>& extra = {}) {
    if (node.port == 0) node.port = FreeLoopbackPort();
    if (node.config.empty()) node.config = dir_ / node.name;
    std::string endpoints;
    for (const auto& e : cluster_.endpoints())
      endpoints += (endpoints.empty() ? "" : ",") + e;
    DaemonSpec spec;
    spec.name = "agent " + node.name;
    spec.argv = {CERTPILOT_BINARY,      "agent",
                 "--config-dir",        node.config,
                 "--work-dir",          node.config + "-work",
                 "--logs-dir",          node.config + "-logs",
                 "--fleet-endpoints",   endpoints,
                 "--fleet-cacert",      cluster_.ca_file(),
                 "--fleet-prefix",      kPrefix,
                 "--fleet-secret-file", key,
                 "--fleet-node",        node.name,
                 "--http-01-address",   "127.0.0.1",
                 "--http-01-port",      std::to_string(node.port)};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.log_path = dir_ / (node.name + ".log");
    spec.append_log = true;
    node.daemon.Start(spec);
  }

  std::string Log(const Node& node) {
    return Slurp(dir_ / (node.name + ".log"));
  }

  // Publishes `files` as the next version of `lineage`, as a renewer does.
  // Sealed under `key` (the test's fleet key by default).
  int64_t Publish(const std::string& lineage,
                  const storage::CertificateFiles& files,
                  const std::string& key = std::string(32, '\x5a')) {
    fleet::LineageLock lock(*etcd_, kPrefix, lineage, "renewer");
    EXPECT_TRUE(lock.TryAcquire(30));
    fleet::LineageFiles f{
        files.cert_pem, files.chain_pem, files.fullchain_pem, files.privkey_pem,
        "version = 2.0\narchive_dir = /elsewhere/archive/" + lineage +
            "\ncert = /elsewhere/cert.pem\n\n"
            "[renewalparams]\nauthenticator = standalone\n"};
    auto version =
        fleet::PublishLineage(*etcd_, lock.fence(), kPrefix, lineage, f, key);
    lock.Release();
    EXPECT_TRUE(version);
    return version.value_or(0);
  }

  // `certpilot fleet rekey` against `endpoints` (the cluster's by default)
  // with the key options `keys`.
  RunResult Rekey(const std::vector<std::string>& keys,
                  std::string endpoints = "") {
    if (endpoints.empty()) endpoints = Join(cluster_.endpoints(), ",");
    std::vector<std::string> args = {
        "fleet",          "rekey",          "--fleet-endpoints",
        endpoints,        "--fleet-cacert", cluster_.ca_file(),
        "--fleet-prefix", kPrefix};
    args.insert(args.end(), keys.begin(), keys.end());
    return RunCertpilot(args);
  }

  bool Deployed(const std::string& lineage, const std::string& node,
                int64_t version) {
    for (const auto& d : fleet::LoadDeployments(*etcd_, kPrefix, lineage))
      if (d.node == node && d.version == version && !d.serial.empty())
        return true;
    return false;
  }

  EtcdCluster cluster_;
  TempDir dir_{"certpilot-agent"};
  http::CurlOptions tls_;
  std::unique_ptr<http::CurlHttpClient> http_;
  std::unique_ptr<etcd::Client> etcd_;
  std::string key_path_;
  CertFactory certs_;
};

TEST_F(FleetAgentTest, MaterializesPublishedVersionsAndReportsThemDeployed) {
  Node web1{"web1"};
  StartAgent(web1, key_path_);
  ASSERT_TRUE(WaitFor([&] {
    return etcd_->Range(etcd::KeyRange(std::string(kPrefix) + "/nodes/web1"))
               .count == 1;
  })) << Log(web1);

  const storage::CertificateFiles v1 = certs_.Make("a.example");
  ASSERT_EQ(Publish("a.example", v1), 1);
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 1); }))
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "cert.pem")), v1.cert_pem);
  EXPECT_EQ(Slurp(web1.Live("a.example", "privkey.pem")), v1.privkey_pem);
  EXPECT_EQ(Slurp(web1.Live("a.example", "fullchain.pem")), v1.fullchain_pem);
  // The renewal conf names this node's paths, not the renewer's.
  const std::string conf = Slurp(web1.config + "/renewal/a.example.conf");
  EXPECT_NE(conf.find("archive_dir = " + web1.config + "/archive/a.example"),
            std::string::npos)
      << conf;
  EXPECT_NE(conf.find("authenticator = standalone"), std::string::npos);
  EXPECT_EQ(conf.find("/elsewhere"), std::string::npos) << conf;

  const storage::CertificateFiles v2 = certs_.Make("a.example");
  ASSERT_EQ(Publish("a.example", v2), 2);
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 2); }))
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "cert.pem")), v2.cert_pem);

  // `fleet status`: the version each node deployed, and who lags.
  const etcd::Lease lease = etcd_->LeaseGrant(60);
  etcd_->Put({std::string(kPrefix) + "/nodes/web9",
              R"({"address":"127.0.0.9:80"})", lease.id});
  std::string endpoints;
  for (const auto& e : cluster_.endpoints())
    endpoints += (endpoints.empty() ? "" : ",") + e;
  RunResult status = RunCertpilot(
      {"fleet", "status", "--fleet-endpoints", endpoints, "--fleet-cacert",
       cluster_.ca_file(), "--fleet-prefix", kPrefix});
  ASSERT_EQ(status.exit_code, 0) << status.Describe();
  EXPECT_NE(status.out.find("a.example  v2  web1 v2  lagging: web9"),
            std::string::npos)
      << status.out;

  // SIGTERM: deregistered, exit 0.
  ::kill(web1.daemon.pid(), SIGTERM);
  std::optional<std::string> ended;
  ASSERT_TRUE(
      WaitFor([&] { return (ended = web1.daemon.Ended()).has_value(); }));
  EXPECT_EQ(*ended, "exited 0") << Log(web1);
  EXPECT_EQ(
      etcd_->Range(etcd::KeyRange(std::string(kPrefix) + "/nodes/web1")).count,
      0);
}

TEST_F(FleetAgentTest, ServesAPublishedTokenUntilItIsWithdrawn) {
  Node web1{"web1"};
  StartAgent(web1, key_path_);
  http::CurlOptions plain;
  plain.https_only = false;
  http::CurlHttpClient client(plain);
  http::Request get;
  get.url = "http://127.0.0.1:" + std::to_string(web1.port) +
            "/.well-known/acme-challenge/tok-123";
  get.headers = {{"Host", "a.example"}};
  auto status = [&] {
    try {
      return client.Do(get).status;
    } catch (const http::TransportError&) {
      return 0;
    }
  };
  ASSERT_TRUE(WaitFor([&] { return status() == 404; })) << Log(web1);

  const etcd::Lease lease = etcd_->LeaseGrant(60);
  fleet::PublishChallenge(*etcd_, kPrefix, "tok-123", "tok-123.thumb",
                          lease.id);
  ASSERT_TRUE(WaitFor([&] { return status() == 200; })) << Log(web1);
  EXPECT_EQ(client.Do(get).body, "tok-123.thumb");

  fleet::WithdrawChallenge(*etcd_, kPrefix, "tok-123");
  EXPECT_TRUE(WaitFor([&] { return status() == 404; })) << Log(web1);
}

TEST_F(FleetAgentTest, ANodeWithoutTheFleetKeyCannotMaterialize) {
  Node web1{"web1"};
  StartAgent(web1, key_path_);
  const storage::CertificateFiles v1 = certs_.Make("a.example");
  Publish("a.example", v1);
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 1); }))
      << Log(web1);
  web1.daemon.Stop();

  // Restarted with another fleet key: version 2 cannot be opened.
  StartAgent(web1, WriteKey("other.key", std::string(32, '\x33')));
  Publish("a.example", certs_.Make("a.example"));
  ASSERT_TRUE(WaitFor([&] {
    return Log(web1).find("a.example not materialized") != std::string::npos;
  })) << Log(web1);
  EXPECT_NE(Log(web1).find("sealed under fleet key"), std::string::npos)
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "cert.pem")), v1.cert_pem);
  EXPECT_EQ(Slurp(web1.Live("a.example", "privkey.pem")), v1.privkey_pem);
  EXPECT_FALSE(Deployed("a.example", "web1", 2));
  EXPECT_FALSE(web1.daemon.Ended()) << Log(web1);
}

TEST_F(FleetAgentTest, EtcdDownKeepsTheFilesAndConvergesWhenBack) {
  Node web1{"web1"};
  StartAgent(web1, key_path_);
  const storage::CertificateFiles v1 = certs_.Make("a.example");
  Publish("a.example", v1);
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 1); }))
      << Log(web1);

  for (int i = 0; i < 3; ++i) cluster_.StopMember(i);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Log(web1).find("etcd cannot be used") != std::string::npos;
      },
      std::chrono::seconds(90)))
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "cert.pem")), v1.cert_pem);
  EXPECT_FALSE(web1.daemon.Ended()) << Log(web1);

  cluster_.StartMembers({0, 1, 2});
  const storage::CertificateFiles v2 = certs_.Make("a.example");
  ASSERT_TRUE(WaitFor([&] {
    try {
      return Publish("a.example", v2) == 2;
    } catch (const Error&) {
      return false;  // the cluster is still electing a leader
    }
  }));
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 2); },
                      std::chrono::seconds(60)))
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "cert.pem")), v2.cert_pem);
  EXPECT_NE(Log(web1).find("etcd answers again"), std::string::npos);
}

TEST_F(FleetAgentTest, SigkillMidBatchNeverLeavesAHalfWrittenLineage) {
  std::vector<storage::CertificateFiles> published;
  for (int i = 0; i < 24; ++i) {
    published.push_back(certs_.Make("l" + std::to_string(i) + ".example"));
    Publish("l" + std::to_string(i) + ".example", published.back());
  }
  Node web1{"web1"};
  StartAgent(web1, key_path_);
  // Killed as soon as the first lineage of the batch is in place.
  ASSERT_TRUE(WaitFor([&] {
    struct stat st;
    return ::lstat(web1.Live("l0.example", "cert.pem").c_str(), &st) == 0;
  })) << Log(web1);
  ::kill(web1.daemon.pid(), SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return web1.daemon.Ended().has_value(); }));
  // Every lineage is all there or not there at all, never a mix.
  for (int i = 0; i < 24; ++i) {
    const std::string name = "l" + std::to_string(i) + ".example";
    const std::string cert = Slurp(web1.Live(name, "cert.pem"));
    if (cert.empty()) continue;
    EXPECT_EQ(cert, published[i].cert_pem) << name;
    EXPECT_EQ(Slurp(web1.Live(name, "privkey.pem")), published[i].privkey_pem)
        << name;
  }

  StartAgent(web1, key_path_);
  for (int i = 0; i < 24; ++i) {
    const std::string name = "l" + std::to_string(i) + ".example";
    ASSERT_TRUE(WaitFor([&] { return Deployed(name, "web1", 1); }))
        << name << Log(web1);
    EXPECT_EQ(Slurp(web1.Live(name, "fullchain.pem")),
              published[i].fullchain_pem);
  }
}

// `fleet rekey` while an agent runs (issue #17): the agent holds both keys
// (the new one sealing, the old one opening: step 2 of the rotation), keeps
// materializing what either seals; afterwards nothing in etcd opens with
// the old key alone, a second rekey re-seals nothing, and a node left with
// only the old key fails cleanly, naming the lineage.
TEST_F(FleetAgentTest, RekeyWhileAnAgentRunsLosesNothing) {
  const std::string old_key(32, '\x5a'), new_key(32, '\x6b');
  const std::string new_path = WriteKey("new.key", new_key);
  Node web1{"web1"};
  StartAgent(web1, new_path, {"--fleet-old-secret-file", key_path_});
  ASSERT_EQ(Publish("a.example", certs_.Make("a.example"), old_key), 1);
  ASSERT_EQ(Publish("b.example", certs_.Make("b.example"), old_key), 1);
  const storage::CertificateFiles b2 = certs_.Make("b.example");
  ASSERT_EQ(Publish("b.example", b2, old_key), 2);
  ASSERT_TRUE(WaitFor([&] {
    return Deployed("a.example", "web1", 1) && Deployed("b.example", "web1", 2);
  })) << Log(web1);

  const std::vector<std::string> both = {"--fleet-secret-file", new_path,
                                         "--fleet-old-secret-file", key_path_};
  RunResult first = Rekey(both);
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_NE(first.out.find("Re-sealed 3 private key(s)"), std::string::npos)
      << first.out;

  // The agent goes on: a version sealed under the new key lands.
  const storage::CertificateFiles a2 = certs_.Make("a.example");
  ASSERT_EQ(Publish("a.example", a2, new_key), 2);
  ASSERT_TRUE(WaitFor([&] { return Deployed("a.example", "web1", 2); }))
      << Log(web1);
  EXPECT_EQ(Slurp(web1.Live("a.example", "privkey.pem")), a2.privkey_pem);
  EXPECT_EQ(Slurp(web1.Live("b.example", "privkey.pem")), b2.privkey_pem);
  EXPECT_EQ(Log(web1).find("not materialized"), std::string::npos) << Log(web1);

  // Idempotent: nothing left to re-seal.
  RunResult again = Rekey(both);
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("Re-sealed 0 private key(s)"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("4 already were"), std::string::npos) << again.out;

  // Every value in etcd: no private key in the clear, and every sealed
  // one opens with the new key and not with the old one alone.
  int sealed = 0;
  for (const etcd::KeyValue& kv : etcd_->RangePrefix("/").kvs) {
    EXPECT_EQ(kv.value.find("PRIVATE KEY"), std::string::npos) << kv.key;
    if (!kv.key.ends_with("/privkey")) continue;
    ++sealed;
    EXPECT_THROW(crypto::Open(old_key, kv.value, kv.key), crypto::CryptoError)
        << kv.key;
    EXPECT_NO_THROW(crypto::Open(new_key, kv.value, kv.key)) << kv.key;
  }
  EXPECT_EQ(sealed, 4);

  // A node that kept only the old key: refused by name, nothing written.
  Node web2{"web2"};
  StartAgent(web2, key_path_);
  ASSERT_TRUE(WaitFor([&] {
    return Log(web2).find("b.example not materialized") != std::string::npos;
  })) << Log(web2);
  EXPECT_NE(Log(web2).find("sealed under fleet key"), std::string::npos)
      << Log(web2);
  EXPECT_FALSE(Deployed("b.example", "web2", 2));
  EXPECT_FALSE(web2.daemon.Ended()) << Log(web2);
}

// `fleet rekey`'s bad input is a usage error (exit 2) before etcd is
// asked; an etcd that cannot be reached is a failure (exit 1).
TEST_F(FleetAgentTest, RekeyRefusesBadKeysAndFailsWithoutEtcd) {
  const std::string new_path = WriteKey("new.key", std::string(32, '\x6b'));
  const std::string short_path = WriteKey("short.key", std::string(31, 'x'));
  struct Case {
    std::vector<std::string> keys;
    std::string says;
  };
  const Case cases[] = {
      {{}, "--fleet-secret-file"},
      {{"--fleet-secret-file", dir_ / "missing.key"}, "no such file"},
      {{"--fleet-secret-file", short_path}, "32 bytes"},
      {{"--fleet-secret-file", new_path, "--fleet-old-secret-file", short_path},
       "32 bytes"},
      {{"--fleet-secret-file", new_path, "--fleet-old-secret-file",
        key_path_ + "," + new_path},
       "same fleet key"},
  };
  for (const Case& c : cases) {
    RunResult r = Rekey(c.keys);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  RunResult down = Rekey(
      {"--fleet-secret-file", new_path, "--fleet-old-secret-file", key_path_},
      "https://127.0.0.1:" + std::to_string(FreeLoopbackPort()));
  EXPECT_EQ(down.exit_code, 1) << down.Describe();
}

}  // namespace
}  // namespace certpilot::testing
