// The fleet layer against a real 3-member etcd cluster with TLS
// (support/etcd_cluster.h), issue #17: one renewer per lineage (the lease
// lock), the fencing check that refuses a renewer whose lease ran out (the
// SIGSTOP failure of the issue, done in-process by letting a lease expire),
// and sealed lineage versions published and loaded. One cluster for the
// suite; each test has its own prefix.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "etcd/client.h"
#include "fleet/fleet_error.h"
#include "fleet/lineage_lock.h"
#include "fleet/lineage_record.h"
#include "http/curl_http_client.h"
#include "support/etcd_cluster.h"
#include "support/wait_for.h"

namespace certpilot::testing {
namespace {

// One node: its own HTTP client and etcd client (etcd::Client is not
// thread-safe).
struct Node {
  explicit Node(const EtcdCluster& cluster) : http(Tls(cluster)) {
    etcd::ClientOptions options;
    options.endpoints = cluster.endpoints();
    client = std::make_unique<etcd::Client>(http, options);
  }
  static http::CurlOptions Tls(const EtcdCluster& cluster) {
    http::CurlOptions options;
    options.ca_bundle = cluster.ca_file();
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.total_timeout = std::chrono::milliseconds(15000);
    return options;
  }
  http::CurlHttpClient http;
  std::unique_ptr<etcd::Client> client;
};

class FleetEtcdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new EtcdCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static const EtcdCluster& cluster() { return *cluster_; }

  std::optional<std::string> Get(const std::string& key) {
    etcd::RangeResult r = reader_.client->Range(etcd::KeyRange(key));
    if (r.kvs.empty()) return std::nullopt;
    return r.kvs[0].value;
  }

  Node reader_{*cluster_};

 private:
  static EtcdCluster* cluster_;
};

EtcdCluster* FleetEtcdTest::cluster_ = nullptr;

TEST_F(FleetEtcdTest, TwoNodesRaceForALockAndExactlyOneWins) {
  Node a(cluster()), b(cluster());
  fleet::LineageLock lock_a(*a.client, "/race", "example.com", "node-a");
  fleet::LineageLock lock_b(*b.client, "/race", "example.com", "node-b");
  std::atomic<bool> go{false};
  bool won_a = false, won_b = false;
  std::thread ta([&] {
    while (!go) std::this_thread::yield();
    won_a = lock_a.TryAcquire(30);
  });
  std::thread tb([&] {
    while (!go) std::this_thread::yield();
    won_b = lock_b.TryAcquire(30);
  });
  go = true;
  ta.join();
  tb.join();
  ASSERT_NE(won_a, won_b) << "exactly one node holds the lock";
  const auto& winner = won_a ? lock_a : lock_b;
  const auto& loser = won_a ? lock_b : lock_a;
  EXPECT_EQ(Get("/race/locks/example.com"), winner.node());
  EXPECT_EQ(loser.holder(), winner.node());
  EXPECT_FALSE(loser.held());
  EXPECT_GT(winner.fence().token, 0);

  // Released: the other node takes it at once, with a newer token.
  const int64_t first_token = winner.fence().token;
  (won_a ? lock_a : lock_b).Release();
  EXPECT_FALSE(Get("/race/locks/example.com"));
  auto& second = won_a ? lock_b : lock_a;
  ASSERT_TRUE(second.TryAcquire(30));
  EXPECT_GT(second.fence().token, first_token);
  EXPECT_TRUE(second.KeepAlive());
  second.Release();
}

TEST_F(FleetEtcdTest, ARenewerWhoseLeaseRanOutIsFencedOff) {
  Node a(cluster()), b(cluster());
  fleet::LineageLock lock_a(*a.client, "/fence", "example.com", "node-a");
  fleet::LineageLock lock_b(*b.client, "/fence", "example.com", "node-b");
  // Node a takes the lock with a short lease, then "pauses": no keepalive.
  ASSERT_TRUE(lock_a.TryAcquire(2));
  EXPECT_FALSE(lock_b.TryAcquire(2));
  EXPECT_EQ(lock_b.holder(), "node-a");
  EXPECT_TRUE(fleet::CommitFenced(*a.client, lock_a.fence(),
                                  {{"/fence/data/current", "a-1", 0}}));

  // Once a's lease expires, b gets the lock and commits.
  ASSERT_TRUE(
      WaitFor([&] { return lock_b.TryAcquire(30); }, std::chrono::seconds(30)))
      << "node b never got the lock after node a's lease ran out";
  EXPECT_GT(lock_b.fence().token, lock_a.fence().token);
  ASSERT_TRUE(fleet::CommitFenced(*b.client, lock_b.fence(),
                                  {{"/fence/data/current", "b-1", 0}}));

  // a "resumes" still believing it holds the lock: its commit is refused
  // and nothing it wrote appears.
  EXPECT_TRUE(lock_a.held());
  EXPECT_FALSE(fleet::CommitFenced(
      *a.client, lock_a.fence(),
      {{"/fence/data/current", "a-2", 0}, {"/fence/data/only-a", "a", 0}}));
  EXPECT_EQ(Get("/fence/data/current"), "b-1");
  EXPECT_FALSE(Get("/fence/data/only-a"));
  // The same for a whole lineage version: b's stays the current one.
  const std::string fleet_key(32, '\x42');
  const fleet::LineageFiles from_b{"B", "B", "B", "B key", "B"};
  ASSERT_EQ(fleet::PublishLineage(*b.client, lock_b.fence(), "/fence",
                                  "example.com", from_b, fleet_key),
            1);
  EXPECT_FALSE(fleet::PublishLineage(*a.client, lock_a.fence(), "/fence",
                                     "example.com",
                                     {"A", "A", "A", "A key", "A"}, fleet_key));
  auto current =
      fleet::LoadLineage(*reader_.client, "/fence", "example.com", fleet_key);
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 1);
  EXPECT_EQ(current->files, from_b);
  EXPECT_FALSE(Get("/fence/lineages/example.com/v2/cert"));
  // Its keepalive tells it the lock is gone.
  EXPECT_FALSE(lock_a.KeepAlive());
  EXPECT_FALSE(lock_a.held());
  EXPECT_EQ(Get("/fence/locks/example.com"), "node-b");

  // After b releases, a stale token stays refused even with no holder.
  fleet::Fence stale = lock_b.fence();
  lock_b.Release();
  EXPECT_FALSE(fleet::CommitFenced(*b.client, stale,
                                   {{"/fence/data/current", "b-late", 0}}));
  EXPECT_EQ(Get("/fence/data/current"), "b-1");
}

TEST_F(FleetEtcdTest, ALineageVersionIsPublishedSealedAndLoadedByAnotherNode) {
  const std::string fleet_key(32, '\x5a');
  Node a(cluster()), b(cluster());
  fleet::LineageLock lock(*a.client, "/pub", "example.com", "node-a");
  ASSERT_TRUE(lock.TryAcquire(30));
  fleet::LineageFiles files{"CERT", "CHAIN", "FULLCHAIN",
                            "-----BEGIN PRIVATE KEY-----\nsecret\n",
                            "version = 2.9.0\n"};
  ASSERT_EQ(fleet::PublishLineage(*a.client, lock.fence(), "/pub",
                                  "example.com", files, fleet_key),
            1);
  files.cert = "CERT 2";
  ASSERT_EQ(fleet::PublishLineage(*a.client, lock.fence(), "/pub",
                                  "example.com", files, fleet_key),
            2);
  lock.Release();

  auto loaded = fleet::LoadLineage(*b.client, "/pub", "example.com", fleet_key);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 2);
  EXPECT_EQ(loaded->files, files);

  // No private key in the clear anywhere in etcd (etcdctl, every value).
  const std::string dump = cluster().Etcdctl({"get", "--prefix", "/pub/"});
  EXPECT_NE(dump.find("/pub/lineages/example.com/v2/privkey"),
            std::string::npos);
  EXPECT_NE(dump.find("CERT 2"), std::string::npos);
  EXPECT_EQ(dump.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(dump.find("secret"), std::string::npos);

  // A node with another fleet key cannot read it.
  EXPECT_THROW(fleet::LoadLineage(*b.client, "/pub", "example.com",
                                  std::string(32, '\x01')),
               fleet::FleetError);
}

}  // namespace
}  // namespace certpilot::testing
