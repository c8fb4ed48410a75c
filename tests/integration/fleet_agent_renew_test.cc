// `certpilot agent` renews (issue #17): two agents ("nodes", separate
// processes of the built binary, each its own tree) against a real 3-member
// etcd cluster and Pebble. Each agent runs `certpilot renew` once at start
// (--renew-jitter 0, an interval longer than the test); the fleet's lock
// lets one of them renew, and both converge on its version.
//
// What is due is decided by the certificate, never the clock: the test
// publishes version 2 with a 90-day certificate (self-signed) and
// renew_before_expiry = 100 days, so version 2 is due while Pebble's
// 5-year version 3 is not: whichever node runs renew after version 3 exists
// finds nothing to do, so exactly one new version is made.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "etcd/client.h"
#include "fleet/deployment_record.h"
#include "fleet/lineage_lock.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/cli_harness.h"
#include "support/daemon.h"
#include "support/etcd_cluster.h"
#include "support/fleet_bed.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"
#include "unit/storage/test_certs.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "/fleet-agent-renew";

// A self-signed 90-day certificate for `dns` (subjectAltName: renew takes
// the order's identifiers from it), with its key.
storage::CertificateFiles NinetyDayCertificate(const std::string& dns) {
  EvpKeyPtr key = NewEcKey();
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 90);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 90L * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(dns.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            ("DNS:" + dns).c_str());
  X509_add_ext(x.get(), san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), x.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  storage::CertificateFiles files;
  files.privkey_pem = KeyToPem(key.get());
  files.cert_pem = std::string(data, static_cast<size_t>(n));
  files.chain_pem = files.cert_pem;
  files.fullchain_pem = files.cert_pem + files.chain_pem;
  return files;
}

class FleetAgentRenewTest : public SharedPebbleTest<>, protected FleetBed {
 protected:
  FleetAgentRenewTest() : FleetBed('r', kPrefix) {}

  // `node`'s agent on `address`, on the port Pebble validates HTTP-01 at.
  void StartAgent(Daemon& daemon, const CliHarness& node,
                  const std::string& name, const std::string& address) {
    DaemonSpec spec;
    spec.name = "agent " + name;
    spec.argv = With(With({CERTPILOT_BINARY, "agent"}, node.CommonArgs()),
                     With({"--http-01-address", address, "--http-01-port",
                           std::to_string(pebble_->http_port()),
                           "--renew-interval", "86400", "--renew-jitter", "0"},
                          FleetArgs(name)));
    spec.log_path = dir_ / (name + ".log");
    daemon.Start(spec);
  }

  std::string Log(const std::string& name) const {
    return ReadFileOrEmpty(dir_ / (name + ".log"));
  }

  bool Deployed(const std::string& lineage, const std::string& node,
                int64_t version) {
    for (const auto& d : fleet::LoadDeployments(*etcd_, kPrefix, lineage))
      if (d.node == node && d.version == version) return true;
    return false;
  }

  // Version 2 of `name`: a 90-day certificate, due under the conf's
  // renew_before_expiry = 100 days (Pebble's 5-year ones are not).
  void PublishDueVersion(const std::string& name) {
    auto v1 = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
    ASSERT_TRUE(v1);
    const storage::CertificateFiles due = NinetyDayCertificate(name);
    fleet::LineageFiles files{
        due.cert_pem, due.chain_pem, due.fullchain_pem, due.privkey_pem,
        "renew_before_expiry = 100 days\n" + v1->files.renewal};
    fleet::LineageLock lock(*etcd_, kPrefix, name, "test");
    ASSERT_TRUE(lock.TryAcquire(30));
    EXPECT_EQ(
        fleet::PublishLineage(*etcd_, lock.fence(), kPrefix, name, files, key_),
        2);
    lock.Release();
  }

  TempDir dir_{"certpilot-agent-renew"};
  CliHarness a_{*pebble_};
  CliHarness b_{*pebble_};
};

TEST_F(FleetAgentRenewTest, TwoAgentsOnADueLineageMakeOneNewVersion) {
  const std::string name = "due.fleet-agent-renew.example";
  // Version 1 by node A alone (no agent registered: its own responder).
  RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // Node B: A's tree (its account), as an operator would set a node up.
  fs::copy(a_.config(), b_.config(),
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  PublishDueVersion(name);

  pebble_->AddA(name, "127.0.0.2");
  Daemon agent_a, agent_b;
  StartAgent(agent_a, a_, "node-a", "127.0.0.2");
  StartAgent(agent_b, b_, "node-b", "127.0.0.3");

  const std::string done = "fleet agent: renew exited with status 0";
  ASSERT_TRUE(WaitFor(
      [&] {
        return Log("node-a").find(done) != std::string::npos &&
               Log("node-b").find(done) != std::string::npos;
      },
      std::chrono::minutes(2)))
      << Log("node-a") << Log("node-b");
  ASSERT_TRUE(WaitFor([&] {
    return Deployed(name, "node-a", 3) && Deployed(name, "node-b", 3);
  })) << Log("node-a")
      << Log("node-b");
  auto fleet = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
  ASSERT_TRUE(fleet);
  EXPECT_EQ(fleet->version, 3);
  for (const CliHarness* node : {&a_, &b_}) {
    EXPECT_EQ(ReadFileOrEmpty(node->config() + "/live/" + name + "/cert.pem"),
              fleet->files.cert);
    EXPECT_EQ(node->CheckLineage(name), "");
  }

  // SIGTERM: both end cleanly.
  for (Daemon* d : {&agent_a, &agent_b}) {
    ::kill(d->pid(), SIGTERM);
    std::optional<std::string> ended;
    ASSERT_TRUE(WaitFor([&] { return (ended = d->Ended()).has_value(); }));
    EXPECT_EQ(*ended, "exited 0");
  }
  pebble_->ClearA(name);
}

// SIGTERM while the agent's renew runs (held in its pre-hook, from the
// node's cli.ini): the agent ends the child, says so, and exits 0; the
// fleet keeps version 2.
TEST_F(FleetAgentRenewTest, SigtermEndsARunningRenewal) {
  const std::string name = "held.fleet-agent-renew.example";
  RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  PublishDueVersion(name);
  const std::string started = dir_ / "pre-hook-started";
  // The hook waits for its renew to end (no process outlives the test).
  std::ofstream(a_.config() + "/cli.ini")
      << "pre-hook = touch " << started
      << "; while kill -0 $PPID 2>/dev/null; do sleep 0.1; done\n";
  Daemon agent;
  StartAgent(agent, a_, "node-a", "127.0.0.2");
  ASSERT_TRUE(
      WaitFor([&] { return fs::exists(started); }, std::chrono::minutes(1)))
      << Log("node-a");
  ::kill(agent.pid(), SIGTERM);
  std::optional<std::string> ended;
  ASSERT_TRUE(WaitFor([&] { return (ended = agent.Ended()).has_value(); }))
      << Log("node-a");
  EXPECT_EQ(*ended, "exited 0") << Log("node-a");
  EXPECT_NE(Log("node-a").find("(the agent is stopping)"), std::string::npos)
      << Log("node-a");
  auto fleet = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
  ASSERT_TRUE(fleet);
  EXPECT_EQ(fleet->version, 2);
}

TEST_F(FleetAgentRenewTest, ABadRenewIntervalIsAUsageError) {
  RunResult r =
      a_.Run("agent", With({"--renew-interval", "0"}, FleetArgs("node-a")));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--renew-interval"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace certpilot::testing
