// etcd v3 "plumbing": one call per RPC of etcd's JSON gateway (etcd 3.4,
// POST /v3/...), over the http::HttpClient seam, and nothing about
// certificates. The fleet layer builds locks, shared lineages and the node
// registry on top.
//
// Wire: keys and values are bytes, base64 in the JSON; 64-bit integers are
// sent as JSON strings and read as strings or numbers; fields equal to their
// zero value may be absent in answers (proto3 JSON).
//
// Endpoints: several URLs of one cluster ("https://127.0.0.1:2379"). A
// request goes to the endpoint that answered last; on a transport error
// (connect, TLS, timeout) it is sent to the next one, in order, each tried
// once. Only transport errors move on: an answer from a member, even an
// error, is final. With user/password set, the client authenticates
// (/v3/auth/authenticate) before its first request and sends the token in
// the Authorization header; when a member says the token is no longer valid
// it authenticates again and retries that request once.
//
// TLS (trust anchors, client certificate) is the HttpClient's business
// (http::CurlOptions).
//
// Errors: EtcdError with the member's gRPC code and message; EtcdError
// kUnavailable, naming each endpoint's failure, when none answered;
// EtcdError kInternal when an answer is malformed (names the field).
// A failed request may or may not have been applied (a timeout after the
// member received it): guard writes that matter with a Txn compare.
//
// Watches (/v3/watch) stream; HttpClient returns whole bodies, so there is
// no watch here: poll Range with a revision instead.
//
// Not thread-safe (it remembers the endpoint and the token): one Client per
// thread, each with its own HttpClient.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/http_client.h"

namespace certpilot::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 1 at creation, +1 per put
  int64_t lease = 0;    // 0: no lease
};

// [key, range_end): range_end empty = the key alone (key_range.h).
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0: no limit
  int64_t revision = 0;  // 0: the latest; else the store as of then
  bool keys_only = false;
  // Only keys last written at or after this revision (0: every key): what
  // changed since a poll, without a watch.
  int64_t min_mod_revision = 0;
};

// The request for `key` alone, at the latest revision.
inline RangeRequest KeyRange(std::string key) {
  RangeRequest request;
  request.key = std::move(key);
  return request;
}

struct RangeResult {
  int64_t revision = 0;  // the store's revision when it was read
  std::vector<KeyValue> kvs;
  bool more = false;  // a limit cut the answer short
  int64_t count = 0;  // keys in the range, limit or not
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;  // the key goes when the lease does
};

struct PutResult {
  int64_t revision = 0;  // the store's revision after the put
};

struct DeleteRequest {
  std::string key;
  std::string range_end;
};

struct DeleteResult {
  int64_t revision = 0;
  int64_t deleted = 0;
};

// One comparison of a transaction's guard. A key that does not exist has
// create_revision, mod_revision and version 0.
struct Compare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue, kLease };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  int64_t number = 0;  // for every target but kValue
  std::string value;   // for kValue

  static Compare ModRevision(std::string key, Result result, int64_t revision);
  static Compare CreateRevision(std::string key, Result result,
                                int64_t revision);
  static Compare Value(std::string key, Result result, std::string value);
};

using TxnOp = std::variant<RangeRequest, PutRequest, DeleteRequest>;
using TxnOpResult = std::variant<RangeResult, PutResult, DeleteResult>;

// The most operations one transaction may hold (etcd's default
// --max-txn-ops); a batch of more is split.
inline constexpr size_t kMaxTxnOps = 128;

// If every compare holds, `success` runs, else `failure`; atomically.
struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;
  std::vector<TxnOpResult> responses;  // one per op of the branch that ran
};

struct Lease {
  int64_t id = 0;
  int64_t ttl = 0;  // seconds granted
};

struct ClientOptions {
  std::vector<std::string> endpoints;  // "https://host:port", no path
  std::string user;                    // empty: no etcd authentication
  std::string password;
  size_t max_body_bytes = 64 << 20;  // a Range answer may be large
};

class Client {
 public:
  // `http` must outlive the Client. Throws UsageError when there is no
  // endpoint or one is not an http(s) URL. No I/O.
  Client(http::HttpClient& http, ClientOptions options);

  RangeResult Range(const RangeRequest& request);
  // Every key starting with `prefix`, in key order.
  RangeResult RangePrefix(std::string_view prefix);
  PutResult Put(const PutRequest& request);
  DeleteResult Delete(const DeleteRequest& request);
  TxnResult Txn(const TxnRequest& request);

  // A lease of `ttl_seconds` (etcd may grant longer, never shorter).
  Lease LeaseGrant(int64_t ttl_seconds);
  // Renews the lease once; returns the TTL it now has, 0 when it has
  // expired or never existed (an expected outcome: the caller lost it).
  int64_t LeaseKeepAlive(int64_t id);
  // Ends the lease and deletes its keys. EtcdError kNotFound when it is
  // already gone.
  void LeaseRevoke(int64_t id);

  // The endpoint that answered last (the first one before any request).
  const std::string& current_endpoint() const;

 private:
  // POSTs `body` to `path` on the endpoints as described above and returns
  // the parsed answer (as JSON text, to keep nlohmann out of this header).
  std::string Call(const std::string& operation, const std::string& path,
                   const std::string& body);
  std::string CallOnce(const std::string& operation, const std::string& path,
                       const std::string& body, bool with_token,
                       bool* unauthenticated);
  void Authenticate();

  http::HttpClient& http_;
  ClientOptions options_;
  size_t current_ = 0;
  std::string token_;
};

}  // namespace certpilot::etcd
