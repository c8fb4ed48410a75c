// FakeEtcd: an in-memory etcd v3 member behind the http::HttpClient seam,
// answering etcd::Client's JSON gateway calls (/v3/kv/range, put,
// deleterange, txn; /v3/lease/grant, keepalive, revoke) the way etcd 3.4
// does, for unit tests of the fleet layer without a cluster.
//
// Modelled: revisions (one per write request, a txn counts once), each
// key's create/mod revision, version and lease; reads at a past revision
// (every revision is kept: no compaction); compares on every target; leases
// whose keys go with them. Time is the test's: a lease expires only when
// the test says so (ExpireLease); Range's min_mod_revision filter; a log of
// every request (path, the key it names, whether it writes), so a test can
// count requests by kind. Do is thread-safe (a FleetSession's keepalive
// thread calls it beside the test's); the rest is for the test's thread. Not
// modelled: watches, auth, limits, keys_only (values are always sent). An
// unknown path or a malformed body is a test bug: it throws
// std::logic_error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "etcd/client.h"
#include "http/http_client.h"

namespace certpilot::testing {

class FakeEtcd : public http::HttpClient {
 public:
  http::Response Do(const http::Request& request) override;

  // An etcd::Client options value that talks to this fake.
  static etcd::ClientOptions Options();

  // The lease ends as if its TTL passed: its keys are deleted (one
  // revision), keepalive answers TTL 0.
  void ExpireLease(int64_t id);

  // Runs once, just before the next txn is applied (another node's write
  // landing between a read and a transaction).
  std::function<void()> before_next_txn;
  // The next txn is applied but its answer is lost: the client sees a
  // transport error (a timeout after the member received the request).
  bool lose_next_txn_answer = false;
  // When set, runs before each request is answered, with its path
  // ("/v3/kv/range").
  std::function<void(const std::string& path)> on_request;

  // One request as received: its path ("/v3/kv/txn"), the key it names
  // (a range's or put's key; a txn's first put's key, else its first
  // range's; "" for lease requests) and whether it writes (a put, delete,
  // or a txn whose branch that ran writes).
  struct Logged {
    std::string path;
    std::string key;
    bool writes = false;
  };
  std::vector<Logged> requests() const;
  void clear_requests();

  // Direct access, as a test's view of the store.
  std::optional<etcd::KeyValue> Get(const std::string& key) const;
  void Set(const std::string& key, const std::string& value);
  std::vector<etcd::KeyValue> All() const;
  int64_t revision() const { return revision_; }
  int txn_count() const { return txn_count_; }
  size_t lease_count() const { return leases_.size(); }

 private:
  using Store = std::map<std::string, etcd::KeyValue>;
  const Store& At(int64_t revision) const;
  Store& Next();  // a copy of the latest store, as the next revision

  int64_t revision_ = 1;  // etcd starts at 1
  std::map<int64_t, Store> history_{{1, {}}};
  std::map<int64_t, int64_t> leases_;  // id -> ttl
  int64_t next_lease_ = 0x1000;
  int txn_count_ = 0;
  mutable std::mutex mu_;  // Do's, and the log's
  std::vector<Logged> log_;
  http::Response Answer(const http::Request& request);
  friend struct FakeEtcdOps;
};

}  // namespace certpilot::testing
