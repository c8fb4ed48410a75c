#include "support/fake_etcd.h"

#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "util/base64url.h"

namespace certpilot::testing {

using nlohmann::json;

namespace {

int64_t Int(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return 0;
  if (it->is_string()) return std::stoll(it->get<std::string>());
  return it->get<int64_t>();
}

std::string Bytes(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  auto bytes = Base64Decode(it->get<std::string>());
  if (!bytes)
    throw std::logic_error(std::string("FakeEtcd: bad base64 in ") + name);
  return *bytes;
}

json Header(int64_t revision) {
  return {{"cluster_id", "1"}, {"revision", std::to_string(revision)}};
}

bool InRange(const std::string& key, const std::string& start,
             const std::string& end) {
  if (end.empty()) return key == start;
  if (end == std::string(1, '\0')) return key >= start;
  return key >= start && key < end;
}

json KvJson(const etcd::KeyValue& kv) {
  return {{"key", Base64Encode(kv.key)},
          {"value", Base64Encode(kv.value)},
          {"create_revision", std::to_string(kv.create_revision)},
          {"mod_revision", std::to_string(kv.mod_revision)},
          {"version", std::to_string(kv.version)},
          {"lease", std::to_string(kv.lease)}};
}

}  // namespace

// The operations, applied to one store being written at one revision.
struct FakeEtcdOps {
  FakeEtcd& etcd;

  json Range(const json& r, const FakeEtcd::Store& store, int64_t revision) {
    const std::string start = Bytes(r, "key");
    const std::string end = Bytes(r, "range_end");
    json answer = {{"header", Header(revision)}};
    const int64_t min_mod = Int(r, "min_mod_revision");
    json kvs = json::array();
    for (const auto& [key, kv] : store)
      if (InRange(key, start, end) && kv.mod_revision >= min_mod)
        kvs.push_back(KvJson(kv));
    answer["count"] = std::to_string(kvs.size());
    if (!kvs.empty()) answer["kvs"] = kvs;
    return answer;
  }

  void Put(const json& p, FakeEtcd::Store& store, int64_t revision) {
    const std::string key = Bytes(p, "key");
    const int64_t lease = Int(p, "lease");
    if (lease != 0 && !etcd.leases_.count(lease))
      throw std::logic_error("FakeEtcd: put with an unknown lease");
    etcd::KeyValue& kv = store[key];
    if (kv.create_revision == 0) kv.create_revision = revision;
    kv.key = key;
    kv.value = Bytes(p, "value");
    kv.mod_revision = revision;
    kv.version += 1;
    kv.lease = lease;
  }

  int64_t Delete(const json& d, FakeEtcd::Store& store) {
    const std::string start = Bytes(d, "key");
    const std::string end = Bytes(d, "range_end");
    int64_t deleted = 0;
    for (auto it = store.begin(); it != store.end();) {
      if (InRange(it->first, start, end)) {
        it = store.erase(it);
        ++deleted;
      } else {
        ++it;
      }
    }
    return deleted;
  }

  static bool Holds(const json& c, const FakeEtcd::Store& store) {
    const std::string key = Bytes(c, "key");
    auto it = store.find(key);
    etcd::KeyValue absent;
    const etcd::KeyValue& kv = it == store.end() ? absent : it->second;
    const std::string target = c.at("target");
    int cmp = 0;
    if (target == "VALUE") {
      if (it == store.end()) return false;  // etcd: no key, no value match
      const std::string value = Bytes(c, "value");
      cmp = kv.value < value ? -1 : (kv.value > value ? 1 : 0);
    } else {
      int64_t have = 0, want = 0;
      if (target == "VERSION") {
        have = kv.version, want = Int(c, "version");
      } else if (target == "CREATE") {
        have = kv.create_revision, want = Int(c, "create_revision");
      } else if (target == "MOD") {
        have = kv.mod_revision, want = Int(c, "mod_revision");
      } else if (target == "LEASE") {
        have = kv.lease, want = Int(c, "lease");
      } else {
        throw std::logic_error("FakeEtcd: compare target " + target);
      }
      cmp = have < want ? -1 : (have > want ? 1 : 0);
    }
    const std::string result = c.value("result", "EQUAL");
    if (result == "EQUAL") return cmp == 0;
    if (result == "NOT_EQUAL") return cmp != 0;
    if (result == "GREATER") return cmp > 0;
    if (result == "LESS") return cmp < 0;
    throw std::logic_error("FakeEtcd: compare result " + result);
  }
};

etcd::ClientOptions FakeEtcd::Options() {
  etcd::ClientOptions options;
  options.endpoints = {"http://127.0.0.1:2379"};
  return options;
}

const FakeEtcd::Store& FakeEtcd::At(int64_t revision) const {
  if (revision == 0) return history_.at(revision_);
  auto it = history_.upper_bound(revision);
  if (it == history_.begin() || revision > revision_)
    throw std::logic_error("FakeEtcd: no revision " + std::to_string(revision));
  return std::prev(it)->second;
}

FakeEtcd::Store& FakeEtcd::Next() {
  Store copy = history_.at(revision_);
  ++revision_;
  return history_[revision_] = std::move(copy);
}

std::optional<etcd::KeyValue> FakeEtcd::Get(const std::string& key) const {
  const Store& store = history_.at(revision_);
  auto it = store.find(key);
  if (it == store.end()) return std::nullopt;
  return it->second;
}

void FakeEtcd::Set(const std::string& key, const std::string& value) {
  FakeEtcdOps ops{*this};
  Store& store = Next();
  ops.Put({{"key", Base64Encode(key)}, {"value", Base64Encode(value)}}, store,
          revision_);
}

std::vector<etcd::KeyValue> FakeEtcd::All() const {
  std::vector<etcd::KeyValue> all;
  for (const auto& [key, kv] : history_.at(revision_)) all.push_back(kv);
  return all;
}

void FakeEtcd::ExpireLease(int64_t id) {
  if (!leases_.erase(id)) throw std::logic_error("FakeEtcd: no such lease");
  Store& store = Next();
  std::erase_if(store,
                [&](const auto& item) { return item.second.lease == id; });
}

std::vector<FakeEtcd::Logged> FakeEtcd::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void FakeEtcd::clear_requests() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

http::Response FakeEtcd::Do(const http::Request& request) {
  std::lock_guard<std::mutex> lock(mu_);
  return Answer(request);
}

http::Response FakeEtcd::Answer(const http::Request& request) {
  const std::string path = request.url.substr(request.url.find("/v3/"));
  const json body = json::parse(request.body);
  if (on_request) on_request(path);
  Logged& logged = log_.emplace_back();
  logged.path = path;
  if (path == "/v3/kv/range" || path == "/v3/kv/put" ||
      path == "/v3/kv/deleterange")
    logged.key = Bytes(body, "key");
  logged.writes = path == "/v3/kv/put" || path == "/v3/kv/deleterange";
  FakeEtcdOps ops{*this};
  json answer;
  if (path == "/v3/kv/range") {
    const int64_t at = Int(body, "revision");
    answer = ops.Range(body, At(at), at == 0 ? revision_ : at);
    answer["header"] = Header(revision_);
  } else if (path == "/v3/kv/put") {
    ops.Put(body, Next(), revision_);
    answer = {{"header", Header(revision_)}};
  } else if (path == "/v3/kv/deleterange") {
    Store& store = Next();
    answer = {{"header", Header(revision_)},
              {"deleted", std::to_string(ops.Delete(body, store))}};
  } else if (path == "/v3/kv/txn") {
    if (before_next_txn) {
      auto hook = std::move(before_next_txn);
      before_next_txn = nullptr;
      hook();
    }
    ++txn_count_;
    bool succeeded = true;
    for (const json& c : body.value("compare", json::array()))
      if (!FakeEtcdOps::Holds(c, history_.at(revision_))) succeeded = false;
    const json& branch = body.at(succeeded ? "success" : "failure");
    bool writes = false;
    for (const json& op : branch)
      if (!op.contains("request_range")) writes = true;
    logged.writes = writes;
    for (const json& op : branch)
      if (op.contains("request_put")) {
        logged.key = Bytes(op["request_put"], "key");
        break;
      }
    if (logged.key.empty() && !branch.empty() &&
        branch.front().contains("request_range"))
      logged.key = Bytes(branch.front()["request_range"], "key");
    // A transaction that writes is one new revision.
    Store* store = writes ? &Next() : &history_.at(revision_);
    json responses = json::array();
    for (const json& op : branch) {
      if (op.contains("request_range")) {
        responses.push_back({{"response_range", ops.Range(op["request_range"],
                                                          *store, revision_)}});
      } else if (op.contains("request_put")) {
        ops.Put(op["request_put"], *store, revision_);
        responses.push_back(
            {{"response_put", {{"header", Header(revision_)}}}});
      } else {
        const int64_t n = ops.Delete(op.at("request_delete_range"), *store);
        responses.push_back({{"response_delete_range",
                              {{"header", Header(revision_)},
                               {"deleted", std::to_string(n)}}}});
      }
    }
    answer = {{"header", Header(revision_)},
              {"succeeded", succeeded},
              {"responses", responses}};
    if (lose_next_txn_answer) {
      lose_next_txn_answer = false;
      throw http::TransportError(request.url,
                                 "POST " + request.url + ": timed out");
    }
  } else if (path == "/v3/lease/grant") {
    const int64_t id = next_lease_++;
    leases_[id] = Int(body, "TTL");
    answer = {{"header", Header(revision_)},
              {"ID", std::to_string(id)},
              {"TTL", std::to_string(leases_[id])}};
  } else if (path == "/v3/lease/keepalive") {
    auto it = leases_.find(Int(body, "ID"));
    json result = {{"ID", std::to_string(Int(body, "ID"))}};
    if (it != leases_.end()) result["TTL"] = std::to_string(it->second);
    answer = {{"result", result}};
  } else if (path == "/v3/lease/revoke") {
    const int64_t id = Int(body, "ID");
    if (!leases_.count(id)) {
      answer = {{"code", 5},
                {"message", "etcdserver: requested lease not found"}};
      http::Response response;
      response.status = 404;
      response.body = answer.dump();
      return response;
    }
    ExpireLease(id);
    answer = {{"header", Header(revision_)}};
  } else {
    throw std::logic_error("FakeEtcd: unexpected " + path);
  }
  http::Response response;
  response.status = 200;
  response.body = answer.dump();
  return response;
}

}  // namespace certpilot::testing
