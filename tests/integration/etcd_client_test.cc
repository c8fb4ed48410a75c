// etcd::Client against a real 3-member etcd cluster with TLS
// (support/etcd_cluster.h): the primitives fleet mode stands on (issue #17).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "etcd/client.h"
#include "etcd/etcd_error.h"
#include "etcd/key_range.h"
#include "http/curl_http_client.h"
#include "support/etcd_cluster.h"

namespace certpilot::testing {
namespace {

using etcd::Compare;
using etcd::GrpcCode;
using Clock = std::chrono::steady_clock;

http::CurlOptions Tls(const EtcdCluster& cluster, bool client_cert = true) {
  http::CurlOptions options;
  options.ca_bundle = cluster.ca_file();
  if (client_cert) {
    options.client_cert = cluster.client_cert();
    options.client_key = cluster.client_key();
  }
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.total_timeout = std::chrono::milliseconds(15000);
  return options;
}

etcd::ClientOptions Options(const EtcdCluster& cluster) {
  etcd::ClientOptions options;
  options.endpoints = cluster.endpoints();
  return options;
}

std::optional<etcd::KeyValue> Get(etcd::Client& client,
                                  const std::string& key) {
  etcd::RangeResult r = client.Range(etcd::KeyRange(key));
  if (r.kvs.empty()) return std::nullopt;
  return r.kvs[0];
}

// Calls `step` every `pause` until it returns true or `limit` passes.
bool Within(std::chrono::seconds limit, const std::function<bool()>& step,
            std::chrono::milliseconds pause = std::chrono::milliseconds(200)) {
  const auto deadline = Clock::now() + limit;
  while (true) {
    if (step()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
  }
}

// Takes the lock key under a fresh lease if nobody holds it; returns the
// lock's revision (the fencing token) or nullopt.
std::optional<int64_t> TakeLock(etcd::Client& client, const std::string& lock,
                                const std::string& owner, int64_t lease) {
  etcd::TxnRequest txn;
  txn.compare = {Compare::CreateRevision(lock, Compare::Result::kEqual, 0)};
  txn.success = {etcd::PutRequest{lock, owner, lease}};
  etcd::TxnResult r = client.Txn(txn);
  if (!r.succeeded) return std::nullopt;
  return r.revision;
}

// Commits `value` under `key` only while `lock` still has revision `token`.
bool FencedCommit(etcd::Client& client, const std::string& lock, int64_t token,
                  const std::string& key, const std::string& value) {
  etcd::TxnRequest txn;
  txn.compare = {Compare::ModRevision(lock, Compare::Result::kEqual, token)};
  txn.success = {etcd::PutRequest{key, value, 0}};
  return client.Txn(txn).succeeded;
}

TEST(EtcdClientTest, PutRangeAndCompareAndSwap) {
  EtcdCluster cluster;
  std::cerr << "etcd cluster of 3 started in " << cluster.start_time().count()
            << " ms\n";
  http::CurlHttpClient http(Tls(cluster));
  etcd::Client client(http, Options(cluster));

  std::string binary("v\0\xff\n", 4);
  etcd::PutResult put = client.Put({"/t/a", binary, 0});
  client.Put({"/t/b", "two", 0});
  client.Put({"/u/c", "elsewhere", 0});
  etcd::RangeResult all = client.RangePrefix("/t/");
  ASSERT_EQ(all.kvs.size(), 2u);
  EXPECT_EQ(all.kvs[0].key, "/t/a");
  EXPECT_EQ(all.kvs[0].value, binary);
  EXPECT_EQ(all.kvs[0].mod_revision, put.revision);
  EXPECT_EQ(all.kvs[0].version, 1);
  EXPECT_EQ(all.kvs[1].value, "two");

  // Swap only from the value we read: once, not twice.
  auto swap = [&](const std::string& from, const std::string& to) {
    etcd::TxnRequest txn;
    txn.compare = {Compare::Value("/t/b", Compare::Result::kEqual, from)};
    txn.success = {etcd::PutRequest{"/t/b", to, 0}};
    txn.failure = {etcd::KeyRange("/t/b")};
    return client.Txn(txn);
  };
  EXPECT_TRUE(swap("two", "three").succeeded);
  etcd::TxnResult lost = swap("two", "four");
  EXPECT_FALSE(lost.succeeded);
  ASSERT_EQ(lost.responses.size(), 1u);
  EXPECT_EQ(std::get<etcd::RangeResult>(lost.responses[0]).kvs.at(0).value,
            "three");
  EXPECT_EQ(Get(client, "/t/b")->value, "three");

  // Create only if absent (create_revision 0).
  etcd::TxnRequest create;
  create.compare = {
      Compare::CreateRevision("/t/b", Compare::Result::kEqual, 0)};
  create.success = {etcd::PutRequest{"/t/b", "clobbered", 0}};
  EXPECT_FALSE(client.Txn(create).succeeded);

  // A past revision is still readable; deletes count.
  EXPECT_EQ(client.Range({"/t/a", "", 0, put.revision, false}).kvs.at(0).value,
            binary);
  etcd::DeleteResult deleted =
      client.Delete({"/t/", etcd::PrefixRangeEnd("/t/")});
  EXPECT_EQ(deleted.deleted, 2);
  EXPECT_TRUE(client.RangePrefix("/t/").kvs.empty());
  EXPECT_EQ(client.RangePrefix("/u/").kvs.size(), 1u);
}

TEST(EtcdClientTest, LeaseExpiryRemovesKeyAndKeepAliveKeepsIt) {
  EtcdCluster cluster;
  http::CurlHttpClient http(Tls(cluster));
  etcd::Client client(http, Options(cluster));

  etcd::Lease kept = client.LeaseGrant(3);
  etcd::Lease dropped = client.LeaseGrant(3);
  EXPECT_GE(kept.ttl, 3);
  client.Put({"/lease/kept", "k", kept.id});
  client.Put({"/lease/dropped", "d", dropped.id});
  EXPECT_EQ(Get(client, "/lease/kept")->lease, kept.id);

  // Renew one lease while waiting for the other to run out.
  bool expired = Within(std::chrono::seconds(30), [&] {
    EXPECT_GT(client.LeaseKeepAlive(kept.id), 0);
    return !Get(client, "/lease/dropped").has_value();
  });
  ASSERT_TRUE(expired) << "the key of a lease never renewed is still there";
  EXPECT_TRUE(Get(client, "/lease/kept").has_value());
  EXPECT_EQ(client.LeaseKeepAlive(dropped.id), 0);  // gone: TTL 0

  client.LeaseRevoke(kept.id);
  EXPECT_FALSE(Get(client, "/lease/kept").has_value());
  try {
    client.LeaseRevoke(kept.id);
    FAIL() << "revoking a revoked lease succeeded";
  } catch (const etcd::EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kNotFound) << e.what();
  }
}

// The design's fencing token: a renewer commits a new version only while
// the lock key it created still has the revision it saw. Once its lease
// has run out and another node took the lock, its commit is refused.
TEST(EtcdClientTest, CommitGuardedByAnExpiredLocksRevisionIsRefused) {
  EtcdCluster cluster;
  http::CurlHttpClient http1(Tls(cluster));
  http::CurlHttpClient http2(Tls(cluster));
  etcd::Client node1(http1, Options(cluster));
  etcd::Client node2(http2, Options(cluster));
  const std::string lock = "/locks/example.com";
  const std::string version = "/lineages/example.com/current";

  etcd::Lease lease1 = node1.LeaseGrant(2);
  std::optional<int64_t> token1 = TakeLock(node1, lock, "node1", lease1.id);
  ASSERT_TRUE(token1);
  etcd::Lease lease2 = node2.LeaseGrant(30);
  EXPECT_FALSE(TakeLock(node2, lock, "node2", lease2.id)) << "lock held twice";

  // node1 pauses (no keepalive): its lease runs out, node2 takes over.
  std::optional<int64_t> token2;
  ASSERT_TRUE(Within(std::chrono::seconds(30), [&] {
    token2 = TakeLock(node2, lock, "node2", lease2.id);
    return token2.has_value();
  }));
  EXPECT_GT(*token2, *token1);
  EXPECT_TRUE(FencedCommit(node2, lock, *token2, version, "v2 by node2"));

  // node1 resumes and commits what it had: refused, nothing overwritten.
  EXPECT_EQ(node1.LeaseKeepAlive(lease1.id), 0);
  EXPECT_FALSE(FencedCommit(node1, lock, *token1, version, "v2 by node1"));
  EXPECT_EQ(Get(node1, version)->value, "v2 by node2");
}

TEST(EtcdClientTest, ClientCertificateIsRequiredWhenTheClusterSaysSo) {
  EtcdClusterOptions options;
  options.client_cert_auth = true;
  EtcdCluster cluster(options);
  http::CurlHttpClient without(Tls(cluster, /*client_cert=*/false));
  etcd::Client anonymous(without, Options(cluster));
  try {
    anonymous.Put({"/cert", "no", 0});
    FAIL() << "a client without a certificate was served";
  } catch (const etcd::EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kUnavailable) << e.what();
  }
  http::CurlHttpClient with(Tls(cluster));
  etcd::Client client(with, Options(cluster));
  client.Put({"/cert", "yes", 0});
  EXPECT_EQ(Get(client, "/cert")->value, "yes");
}

TEST(EtcdClientTest, UserPasswordAuthentication) {
  EtcdCluster cluster;
  cluster.Etcdctl({"user", "add", "root:root-secret"});
  cluster.Etcdctl({"role", "add", "fleet"});
  cluster.Etcdctl({"role", "grant-permission", "fleet", "--prefix=true",
                   "readwrite", "/certpilot/"});
  cluster.Etcdctl({"user", "add", "node:node-secret"});
  cluster.Etcdctl({"user", "grant-role", "node", "fleet"});
  cluster.Etcdctl({"auth", "enable"});

  http::CurlHttpClient http(Tls(cluster));
  etcd::ClientOptions options = Options(cluster);
  options.user = "node";
  options.password = "node-secret";
  etcd::Client client(http, options);
  client.Put({"/certpilot/x", "1", 0});
  EXPECT_EQ(Get(client, "/certpilot/x")->value, "1");
  try {
    client.Put({"/elsewhere", "1", 0});
    FAIL() << "a write outside the role's prefix succeeded";
  } catch (const etcd::EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kPermissionDenied) << e.what();
  }

  options.password = "wrong";
  etcd::Client wrong(http, options);
  EXPECT_THROW(Get(wrong, "/certpilot/x"), etcd::EtcdError);
  etcd::Client nobody(http, Options(cluster));
  EXPECT_THROW(Get(nobody, "/certpilot/x"), etcd::EtcdError);
  EXPECT_EQ(cluster.Etcdctl({"get", "--print-value-only", "/certpilot/x"},
                            {"--user=root:root-secret"}),
            "1\n");
}

TEST(EtcdClientTest, FailsOverWhenAMemberIsKilled) {
  EtcdCluster cluster;
  http::CurlHttpClient http(Tls(cluster));
  etcd::Client client(http, Options(cluster));
  client.Put({"/f/before", "1", 0});
  EXPECT_EQ(client.current_endpoint(), cluster.endpoints()[0]);

  cluster.KillMember(0);
  // If it was the leader, the others elect a new one first: until then a
  // write may be refused; it must succeed within the deadline.
  std::string last_error;
  bool written = Within(std::chrono::seconds(30), [&] {
    try {
      client.Put({"/f/after", "2", 0});
      return true;
    } catch (const etcd::EtcdError& e) {
      last_error = e.what();
      return false;
    }
  });
  ASSERT_TRUE(written) << last_error;
  EXPECT_NE(client.current_endpoint(), cluster.endpoints()[0]);
  EXPECT_EQ(Get(client, "/f/before")->value, "1");
  EXPECT_EQ(Get(client, "/f/after")->value, "2");

  cluster.StartMember(0);
  EXPECT_TRUE(cluster.Healthy(0));
}

}  // namespace
}  // namespace certpilot::testing
