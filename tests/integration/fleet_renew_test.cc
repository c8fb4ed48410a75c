// certonly and renew in fleet mode (issue #17): the built binary as separate
// processes ("nodes": each its own config/work dirs and --fleet-node) against
// a real 3-member etcd cluster and Pebble. HTTP-01 by --standalone on the
// renewing node (the fleet solver is the agent's business).
//
// Pebble issues one-hour certificates; renew_before_expiry = 2 hours in a
// node's conf makes every certificate due, so what stops a second renewal
// in these tests is the fleet's lock and its double check, never the clock.
// Where a test needs a node to hold the lock at a known moment, that node's
// pre-hook (run after the fleet lock is taken, before the order) signals
// through files and waits, or stops the process itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "etcd/client.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/cli_harness.h"
#include "support/etcd_cluster.h"
#include "support/fleet_bed.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "/fleet-renew";

class FleetRenewTest : public SharedPebbleTest<3600>, protected FleetBed {
 protected:
  FleetRenewTest() : FleetBed('k', kPrefix) {}

  // Node A's certonly, then node B's copy of A's tree (as B's agent would
  // have materialized it); both confs made due.
  void IssueOnBothNodes(const std::string& name) {
    RunResult r = a_.Certonly(With({"-d", name}, FleetArgs("node-a")));
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    fs::copy(a_.config(), b_.config(),
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    for (const CliHarness* node : {&a_, &b_}) {
      const std::string path = node->config() + "/renewal/" + name + ".conf";
      std::string conf = ReadFileOrEmpty(path);
      const size_t at = conf.find("version = ");
      ASSERT_NE(at, std::string::npos) << conf;
      conf.insert(at, "renew_before_expiry = 2 hours\n");
      std::ofstream(path, std::ios::trunc) << conf;
    }
  }

  RunResult Renew(const CliHarness& node, const std::string& name,
                  const std::vector<std::string>& extra) const {
    return node.Run("renew",
                    With({"--no-random-sleep-on-renew", "--cert-name", name},
                         With(FleetArgs(NodeOf(node)), extra)));
  }
  std::string NodeOf(const CliHarness& node) const {
    return &node == &a_ ? "node-a" : "node-b";
  }

  int64_t FleetVersion(const std::string& name) {
    auto loaded = fleet::LoadLineage(*etcd_, kPrefix, name, key_);
    return loaded ? loaded->version : 0;
  }

  CliHarness a_{*pebble_};
  CliHarness b_{*pebble_};
};

TEST_F(FleetRenewTest, CertonlyPublishesTheLineageWithItsKeySealed) {
  RunResult r =
      a_.Certonly(With({"-d", "pub.example.com"}, FleetArgs("node-a")));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  auto loaded = fleet::LoadLineage(*etcd_, kPrefix, "pub.example.com", key_);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 1);
  const std::string live = a_.config() + "/live/pub.example.com/";
  EXPECT_EQ(loaded->files.cert, ReadFileOrEmpty(live + "cert.pem"));
  EXPECT_EQ(loaded->files.chain, ReadFileOrEmpty(live + "chain.pem"));
  EXPECT_EQ(loaded->files.fullchain, ReadFileOrEmpty(live + "fullchain.pem"));
  EXPECT_EQ(loaded->files.privkey, ReadFileOrEmpty(live + "privkey.pem"));
  EXPECT_EQ(loaded->files.renewal,
            ReadFileOrEmpty(a_.config() + "/renewal/pub.example.com.conf"));
  // Every value in etcd: no private key in the clear.
  const etcd::RangeResult all = etcd_->RangePrefix("/");
  ASSERT_FALSE(all.kvs.empty());
  for (const etcd::KeyValue& kv : all.kvs)
    EXPECT_EQ(kv.value.find("PRIVATE KEY"), std::string::npos) << kv.key;
  // The lock was given back.
  EXPECT_TRUE(etcd_->RangePrefix(std::string(kPrefix) + "/locks/").kvs.empty());
}

TEST_F(FleetRenewTest, CertonlyWithoutTheFleetKeyIsAUsageError) {
  std::vector<std::string> args = FleetArgs("node-a");
  args.erase(args.begin() + 6, args.begin() + 8);  // --fleet-secret-file
  RunResult r = a_.Certonly(With({"-d", "nokey.example.com"}, args));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("--fleet-secret-file"), std::string::npos) << r.err;
  EXPECT_EQ(a_.Version("nokey.example.com"), 0);
}

// Node A holds the lineage's lock (its pre-hook waits); node B, without
// --lock-wait, skips it ("held by node-a", not a failure); node B with
// --lock-wait waits, then finds A's version and renews nothing: exactly one
// new version.
TEST_F(FleetRenewTest, TwoNodesRenewingAtOnceMakeOneNewVersion) {
  const std::string name = "twice.example.com";
  ASSERT_NO_FATAL_FAILURE(IssueOnBothNodes(name));
  const std::string holding = a_.dir() / "holding";
  const std::string go = a_.dir() / "go";
  const std::string hook = "touch " + holding + "; i=0; while [ ! -e " + go +
                           " ] && [ $i -lt 1200 ]; do sleep 0.05; " +
                           "i=$((i+1)); done";
  auto renew_a = std::async(std::launch::async, [&] {
    return Renew(a_, name, {"--pre-hook", hook});
  });
  ASSERT_TRUE(
      WaitFor([&] { return fs::exists(holding); }, std::chrono::seconds(60)));

  RunResult skipped = Renew(b_, name, {});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.Describe();
  EXPECT_NE(skipped.err.find("held by node-a"), std::string::npos)
      << skipped.err;

  auto renew_b = std::async(std::launch::async, [&] {
    return Renew(b_, name, {"--lock-wait", "120"});
  });
  const std::string b_log = b_.dir() / "logs/certpilot.log";
  ASSERT_TRUE(WaitFor(
      [&] {
        return ReadFileOrEmpty(b_log).find("waiting for the fleet lock") !=
               std::string::npos;
      },
      std::chrono::seconds(60)))
      << ReadFileOrEmpty(b_log);
  std::ofstream(go) << "";

  RunResult a = renew_a.get();
  RunResult b = renew_b.get();
  EXPECT_EQ(a.exit_code, 0) << a.Describe();
  EXPECT_EQ(b.exit_code, 0) << b.Describe();
  EXPECT_NE(b.err.find("another node published version 2 meanwhile"),
            std::string::npos)
      << b.err;
  EXPECT_EQ(FleetVersion(name), 2);
  EXPECT_EQ(a_.Version(name), 2);
  EXPECT_EQ(b_.Version(name), 1);  // its agent materializes version 2
}

// Node A takes the lock, then stops itself (SIGSTOP from its pre-hook) past
// the lock's 2-second lease. Node B renews meanwhile. A, resumed, orders
// and tries to publish: the fence refuses; A fails the lineage saying so,
// its local tree keeps version 1 and the fleet keeps B's version.
TEST_F(FleetRenewTest, ARenewerWhoseLeaseExpiredCannotPublish) {
  const std::string name = "paused.example.com";
  ASSERT_NO_FATAL_FAILURE(IssueOnBothNodes(name));
  const std::string pid_file = a_.dir() / "pid";
  const std::string hook = "echo $PPID > " + pid_file + ".tmp; mv " + pid_file +
                           ".tmp " + pid_file + "; kill -STOP $PPID";
  auto renew_a = std::async(std::launch::async, [&] {
    return Renew(a_, name, {"--pre-hook", hook, "--fleet-lock-ttl", "2"});
  });
  ASSERT_TRUE(
      WaitFor([&] { return fs::exists(pid_file); }, std::chrono::seconds(60)));
  const pid_t pid = std::stoi(ReadFileOrEmpty(pid_file));
  // The lease runs out while A is stopped: the lock key goes.
  const std::string lock_key = std::string(kPrefix) + "/locks/" + name;
  ASSERT_TRUE(WaitFor(
      [&] { return etcd_->Range(etcd::KeyRange(lock_key)).kvs.empty(); },
      std::chrono::seconds(60)));

  RunResult b = Renew(b_, name, {});
  EXPECT_EQ(b.exit_code, 0) << b.Describe();
  EXPECT_EQ(FleetVersion(name), 2);
  const std::string b_cert =
      fleet::LoadLineage(*etcd_, kPrefix, name, key_)->files.cert;
  const std::string a_cert_before =
      ReadFileOrEmpty(a_.config() + "/live/" + name + "/cert.pem");

  ASSERT_EQ(kill(pid, SIGCONT), 0);
  RunResult a = renew_a.get();
  EXPECT_EQ(a.exit_code, 1) << a.Describe();
  EXPECT_NE(a.err.find("lock lost; another node's version stands"),
            std::string::npos)
      << a.err;
  EXPECT_EQ(FleetVersion(name), 2);
  EXPECT_EQ(fleet::LoadLineage(*etcd_, kPrefix, name, key_)->files.cert,
            b_cert);
  EXPECT_EQ(a_.Version(name), 1);
  EXPECT_EQ(ReadFileOrEmpty(a_.config() + "/live/" + name + "/cert.pem"),
            a_cert_before);
  EXPECT_EQ(a_.CheckLineage(name), "");
}

// Every etcd member down: renew fails, saying why; the local files are
// untouched.
TEST_F(FleetRenewTest, RenewWithAllOfEtcdDownFailsAndKeepsTheFiles) {
  const std::string name = "down.example.com";
  ASSERT_NO_FATAL_FAILURE(IssueOnBothNodes(name));
  const std::string live = a_.config() + "/live/" + name + "/";
  const std::string cert = ReadFileOrEmpty(live + "cert.pem");
  const std::string key = ReadFileOrEmpty(live + "privkey.pem");
  for (int i = 0; i < 3; ++i) cluster_.StopMember(i);
  RunResult r = Renew(a_, name, {});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("reading the fleet's version"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no endpoint answered"), std::string::npos) << r.err;
  EXPECT_EQ(a_.Version(name), 1);
  EXPECT_EQ(ReadFileOrEmpty(live + "cert.pem"), cert);
  EXPECT_EQ(ReadFileOrEmpty(live + "privkey.pem"), key);
}

// `fleet push` uploads local lineages (made without fleet mode, as after
// import-certbot) as version 1, skips them the second time, and with
// --force publishes one as the next version.
TEST_F(FleetRenewTest, PushUploadsLocalLineagesOnce) {
  for (const char* name : {"p1.example.com", "p2.example.com"}) {
    RunResult r = a_.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  auto push = [&](const std::vector<std::string>& extra) {
    return a_.Run("fleet", With(With({"push"}, FleetArgs("node-a")), extra));
  };
  RunResult first = push({});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_NE(first.out.find("pushed  p1.example.com as version 1"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("pushed  p2.example.com as version 1"),
            std::string::npos)
      << first.out;
  auto loaded = fleet::LoadLineage(*etcd_, kPrefix, "p2.example.com", key_);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->files.privkey,
            ReadFileOrEmpty(a_.config() + "/live/p2.example.com/privkey.pem"));

  RunResult again = push({});
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("skipped p1.example.com (the fleet has version 1"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(FleetVersion("p1.example.com"), 1);

  RunResult forced = push({"--force", "--cert-name", "p1.example.com"});
  ASSERT_EQ(forced.exit_code, 0) << forced.Describe();
  EXPECT_NE(forced.out.find("pushed  p1.example.com as version 2"),
            std::string::npos)
      << forced.out;
  EXPECT_EQ(forced.out.find("p2.example.com"), std::string::npos);
  EXPECT_EQ(FleetVersion("p2.example.com"), 1);

  EXPECT_EQ(push({"--cert-name", "nope.example.com"}).exit_code, 2);
}

// The account's files under a node's config dir: regr.json's text, and
// private_key.json's (the first account found).
std::pair<std::string, std::string> AccountFiles(const std::string& config) {
  for (const auto& entry :
       fs::recursive_directory_iterator(config + "/accounts"))
    if (entry.path().filename() == "regr.json")
      return {ReadFileOrEmpty(entry.path().string()),
              ReadFileOrEmpty(
                  (entry.path().parent_path() / "private_key.json").string())};
  return {};
}

// Shared accounts (issue #17): node A registers and shares its account;
// node B, with an empty config dir and no registration flags (no -m, no
// --agree-tos: it could not register), takes the fleet's account and
// issues with the same account URL. The account key is in etcd only
// sealed.
TEST_F(FleetRenewTest, ANodeWithoutAnAccountIssuesWithTheFleets) {
  RunResult a =
      a_.Certonly(With({"-d", "acct-a.example.com"}, FleetArgs("node-a")));
  ASSERT_EQ(a.exit_code, 0) << a.Describe();
  const auto [regr_a, key_a] = AccountFiles(a_.config());
  ASSERT_NE(regr_a.find("\"uri\""), std::string::npos) << regr_a;

  RunResult b = b_.Run(
      "certonly",
      With({"--standalone", "--http-01-address", "127.0.0.1", "--http-01-port",
            std::to_string(pebble_->http_port()), "-d", "acct-b.example.com"},
           FleetArgs("node-b")));
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  const auto [regr_b, key_b] = AccountFiles(b_.config());
  EXPECT_EQ(regr_b, regr_a);  // the same account URL and object
  EXPECT_EQ(key_b, key_a);
  // The lineage B published names that account.
  auto loaded = fleet::LoadLineage(*etcd_, kPrefix, "acct-b.example.com", key_);
  ASSERT_TRUE(loaded);
  const std::string conf =
      ReadFileOrEmpty(a_.config() + "/renewal/acct-a.example.com.conf");
  const size_t at = conf.find("account = ");
  ASSERT_NE(at, std::string::npos) << conf;
  const std::string account_line = conf.substr(at, conf.find('\n', at) - at);
  EXPECT_NE(loaded->files.renewal.find(account_line), std::string::npos)
      << loaded->files.renewal;

  // No account key in the clear: the private JWK's "d" appears in no value.
  const size_t d_at = key_a.find("\"d\"");
  ASSERT_NE(d_at, std::string::npos) << key_a;
  const size_t start = key_a.find('"', key_a.find(':', d_at)) + 1;
  const std::string d = key_a.substr(start, key_a.find('"', start) - start);
  ASSERT_GT(d.size(), 20u);
  int accounts = 0;
  for (const etcd::KeyValue& kv : etcd_->RangePrefix("/").kvs) {
    EXPECT_EQ(kv.value.find(d), std::string::npos) << kv.key;
    EXPECT_EQ(kv.value.find("PRIVATE KEY"), std::string::npos) << kv.key;
    if (kv.key.starts_with(std::string(kPrefix) + "/accounts/")) ++accounts;
  }
  EXPECT_EQ(accounts, 4);  // server, url, regr, key: one account
}

// `fleet push` uploads the local account too: a node that then joins
// takes it.
TEST_F(FleetRenewTest, PushUploadsTheLocalAccount) {
  RunResult local = a_.Certonly({"-d", "acct-push.example.com"});
  ASSERT_EQ(local.exit_code, 0) << local.Describe();
  RunResult push = a_.Run("fleet", With({"push"}, FleetArgs("node-a")));
  ASSERT_EQ(push.exit_code, 0) << push.Describe();
  EXPECT_NE(push.out.find("pushed  account https://"), std::string::npos)
      << push.out;
  RunResult again = a_.Run("fleet", With({"push"}, FleetArgs("node-a")));
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("(the fleet has it)"), std::string::npos)
      << again.out;
}

}  // namespace
}  // namespace certpilot::testing
