// etcd v3 JSON gateway mapping: the only place etcd's JSON field names
// appear.
#include "etcd/client.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "etcd/etcd_error.h"
#include "etcd/key_range.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::etcd {
namespace {

using nlohmann::json;

EtcdError Malformed(const std::string& operation, const std::string& field) {
  return EtcdError(GrpcCode::kInternal, operation,
                   "malformed answer: field \"" + field + "\"");
}

// proto3 JSON: int64 as a string (or a number); absent = 0.
int64_t Int64Field(const json& object, const char* name,
                   const std::string& operation) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    try {
      size_t used = 0;
      int64_t value = std::stoll(text, &used);
      if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
  }
  throw Malformed(operation, name);
}

bool BoolField(const json& object, const char* name,
               const std::string& operation) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw Malformed(operation, name);
  return it->get<bool>();
}

// proto3 JSON: bytes as standard base64; absent = empty.
std::string BytesField(const json& object, const char* name,
                       const std::string& operation) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return "";
  if (!it->is_string()) throw Malformed(operation, name);
  auto bytes = Base64Decode(it->get_ref<const std::string&>());
  if (!bytes) throw Malformed(operation, name);
  return *bytes;
}

const json& ObjectField(const json& object, const char* name,
                        const std::string& operation) {
  static const json kEmpty = json::object();
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) throw Malformed(operation, name);
  return *it;
}

int64_t HeaderRevision(const json& answer, const std::string& operation) {
  return Int64Field(ObjectField(answer, "header", operation), "revision",
                    operation);
}

std::string Str(int64_t n) { return std::to_string(n); }

json RangeJson(const RangeRequest& r) {
  json j = {{"key", Base64Encode(r.key)}};
  if (!r.range_end.empty()) j["range_end"] = Base64Encode(r.range_end);
  if (r.limit != 0) j["limit"] = Str(r.limit);
  if (r.revision != 0) j["revision"] = Str(r.revision);
  if (r.keys_only) j["keys_only"] = true;
  if (r.min_mod_revision != 0) j["min_mod_revision"] = Str(r.min_mod_revision);
  return j;
}

json PutJson(const PutRequest& r) {
  json j = {{"key", Base64Encode(r.key)}, {"value", Base64Encode(r.value)}};
  if (r.lease != 0) j["lease"] = Str(r.lease);
  return j;
}

json DeleteJson(const DeleteRequest& r) {
  json j = {{"key", Base64Encode(r.key)}};
  if (!r.range_end.empty()) j["range_end"] = Base64Encode(r.range_end);
  return j;
}

const char* TargetName(Compare::Target target) {
  switch (target) {
    case Compare::Target::kVersion:
      return "VERSION";
    case Compare::Target::kCreateRevision:
      return "CREATE";
    case Compare::Target::kModRevision:
      return "MOD";
    case Compare::Target::kValue:
      return "VALUE";
    case Compare::Target::kLease:
      return "LEASE";
  }
  return "";
}

const char* ResultName(Compare::Result result) {
  switch (result) {
    case Compare::Result::kEqual:
      return "EQUAL";
    case Compare::Result::kGreater:
      return "GREATER";
    case Compare::Result::kLess:
      return "LESS";
    case Compare::Result::kNotEqual:
      return "NOT_EQUAL";
  }
  return "";
}

json CompareJson(const Compare& c) {
  json j = {{"key", Base64Encode(c.key)},
            {"target", TargetName(c.target)},
            {"result", ResultName(c.result)}};
  switch (c.target) {
    case Compare::Target::kVersion:
      j["version"] = Str(c.number);
      break;
    case Compare::Target::kCreateRevision:
      j["create_revision"] = Str(c.number);
      break;
    case Compare::Target::kModRevision:
      j["mod_revision"] = Str(c.number);
      break;
    case Compare::Target::kValue:
      j["value"] = Base64Encode(c.value);
      break;
    case Compare::Target::kLease:
      j["lease"] = Str(c.number);
      break;
  }
  return j;
}

json OpJson(const TxnOp& op) {
  if (const auto* r = std::get_if<RangeRequest>(&op))
    return {{"request_range", RangeJson(*r)}};
  if (const auto* p = std::get_if<PutRequest>(&op))
    return {{"request_put", PutJson(*p)}};
  return {{"request_delete_range", DeleteJson(std::get<DeleteRequest>(op))}};
}

RangeResult ParseRange(const json& answer, const std::string& operation) {
  RangeResult result;
  result.revision = HeaderRevision(answer, operation);
  result.more = BoolField(answer, "more", operation);
  result.count = Int64Field(answer, "count", operation);
  auto kvs = answer.find("kvs");
  if (kvs != answer.end() && !kvs->is_null()) {
    if (!kvs->is_array()) throw Malformed(operation, "kvs");
    for (const json& item : *kvs) {
      if (!item.is_object()) throw Malformed(operation, "kvs");
      KeyValue kv;
      kv.key = BytesField(item, "key", operation);
      kv.value = BytesField(item, "value", operation);
      kv.create_revision = Int64Field(item, "create_revision", operation);
      kv.mod_revision = Int64Field(item, "mod_revision", operation);
      kv.version = Int64Field(item, "version", operation);
      kv.lease = Int64Field(item, "lease", operation);
      result.kvs.push_back(std::move(kv));
    }
  }
  return result;
}

DeleteResult ParseDelete(const json& answer, const std::string& operation) {
  return {HeaderRevision(answer, operation),
          Int64Field(answer, "deleted", operation)};
}

// Answers of a member that is not 200: {"code": N, "message"|"error": ...};
// a streamed answer carries {"error": {"grpc_code": N, "message": ...}}.
std::optional<EtcdError> ErrorIn(const json& answer,
                                 const std::string& operation) {
  if (!answer.is_object()) return std::nullopt;
  const json* error = &answer;
  const char* code_field = "code";
  auto nested = answer.find("error");
  if (nested != answer.end() && nested->is_object()) {
    error = &*nested;
    code_field = "grpc_code";
  }
  auto code = error->find(code_field);
  if (code == error->end() || !code->is_number_integer()) return std::nullopt;
  std::string message;
  for (const char* field : {"message", "error"}) {
    auto it = error->find(field);
    if (it != error->end() && it->is_string() &&
        !it->get<std::string>().empty()) {
      message = it->get<std::string>();
      break;
    }
  }
  return EtcdError(static_cast<GrpcCode>(code->get<int>()), operation,
                   StripControl(message));
}

json Parse(const std::string& text, const std::string& operation) {
  // A streamed answer (lease keepalive) is one JSON object per line: the
  // first is the one this request produced.
  json answer = json::parse(text.substr(0, text.find('\n')), nullptr, false);
  if (answer.is_discarded() || !answer.is_object())
    throw EtcdError(GrpcCode::kInternal, operation, "answer is not JSON");
  return answer;
}

}  // namespace

Compare Compare::ModRevision(std::string key, Result result, int64_t revision) {
  return {std::move(key), Target::kModRevision, result, revision, ""};
}

Compare Compare::CreateRevision(std::string key, Result result,
                                int64_t revision) {
  return {std::move(key), Target::kCreateRevision, result, revision, ""};
}

Compare Compare::Value(std::string key, Result result, std::string value) {
  return {std::move(key), Target::kValue, result, 0, std::move(value)};
}

Client::Client(http::HttpClient& http, ClientOptions options)
    : http_(http), options_(std::move(options)) {
  if (options_.endpoints.empty()) throw UsageError("etcd: no endpoint given");
  for (auto& endpoint : options_.endpoints) {
    if (!StartsWith(endpoint, "https://") && !StartsWith(endpoint, "http://"))
      throw UsageError("etcd: endpoint \"" + StripControl(endpoint) +
                       "\" is not an http:// or https:// URL");
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  }
}

const std::string& Client::current_endpoint() const {
  return options_.endpoints[current_];
}

std::string Client::CallOnce(const std::string& operation,
                             const std::string& path, const std::string& body,
                             bool with_token, bool* unauthenticated) {
  http::Request request;
  request.method = "POST";
  request.headers = {{"Content-Type", "application/json"}};
  if (with_token && !token_.empty())
    request.headers.emplace_back("Authorization", token_);
  request.body = body;
  request.max_body_bytes = options_.max_body_bytes;
  std::string failures;
  const size_t n = options_.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    size_t index = (current_ + i) % n;
    request.url = options_.endpoints[index] + path;
    http::Response response;
    try {
      response = http_.Do(request);
    } catch (const http::TransportError& e) {
      failures += (failures.empty() ? "" : "; ") + std::string(e.what());
      continue;
    }
    current_ = index;
    json answer = json::parse(response.body.substr(0, response.body.find('\n')),
                              nullptr, false);
    if (auto error = ErrorIn(answer, operation)) {
      if (error->code() == GrpcCode::kUnauthenticated && with_token &&
          unauthenticated != nullptr) {
        *unauthenticated = true;
        return "";
      }
      throw *error;
    }
    if (response.status != 200) {
      throw EtcdError(
          GrpcCode::kUnknown, operation,
          "HTTP " + std::to_string(response.status) + " from " + request.url);
    }
    return response.body;
  }
  throw EtcdError(GrpcCode::kUnavailable, operation,
                  "no endpoint answered: " + failures);
}

void Client::Authenticate() {
  json body = {{"name", options_.user}, {"password", options_.password}};
  std::string text =
      CallOnce("authenticate as " + options_.user, "/v3/auth/authenticate",
               body.dump(), false, nullptr);
  json answer = Parse(text, "authenticate");
  auto token = answer.find("token");
  if (token == answer.end() || !token->is_string() ||
      token->get<std::string>().empty())
    throw Malformed("authenticate", "token");
  token_ = token->get<std::string>();
}

std::string Client::Call(const std::string& operation, const std::string& path,
                         const std::string& body) {
  const bool auth = !options_.user.empty();
  if (auth && token_.empty()) Authenticate();
  bool unauthenticated = false;
  std::string text = CallOnce(operation, path, body, auth, &unauthenticated);
  if (!unauthenticated) return text;
  // The token expired (etcd's simple tokens live 5 minutes by default) or
  // the member restarted: once more with a fresh one.
  token_.clear();
  Authenticate();
  return CallOnce(operation, path, body, auth, nullptr);
}

RangeResult Client::Range(const RangeRequest& request) {
  const std::string op = "range";
  return ParseRange(
      Parse(Call(op, "/v3/kv/range", RangeJson(request).dump()), op), op);
}

RangeResult Client::RangePrefix(std::string_view prefix) {
  RangeRequest request;
  request.key = std::string(prefix);
  request.range_end = PrefixRangeEnd(prefix);
  return Range(request);
}

PutResult Client::Put(const PutRequest& request) {
  const std::string op = "put";
  json answer = Parse(Call(op, "/v3/kv/put", PutJson(request).dump()), op);
  return {HeaderRevision(answer, op)};
}

DeleteResult Client::Delete(const DeleteRequest& request) {
  const std::string op = "delete";
  return ParseDelete(
      Parse(Call(op, "/v3/kv/deleterange", DeleteJson(request).dump()), op),
      op);
}

TxnResult Client::Txn(const TxnRequest& request) {
  const std::string op = "txn";
  json body = {{"compare", json::array()},
               {"success", json::array()},
               {"failure", json::array()}};
  for (const auto& c : request.compare)
    body["compare"].push_back(CompareJson(c));
  for (const auto& o : request.success) body["success"].push_back(OpJson(o));
  for (const auto& o : request.failure) body["failure"].push_back(OpJson(o));
  json answer = Parse(Call(op, "/v3/kv/txn", body.dump()), op);
  TxnResult result;
  result.succeeded = BoolField(answer, "succeeded", op);
  result.revision = HeaderRevision(answer, op);
  const auto& ran = result.succeeded ? request.success : request.failure;
  auto responses = answer.find("responses");
  size_t count = 0;
  if (responses != answer.end() && !responses->is_null()) {
    if (!responses->is_array()) throw Malformed(op, "responses");
    count = responses->size();
  }
  if (count != ran.size()) throw Malformed(op, "responses");
  for (size_t i = 0; i < count; ++i) {
    const json& item = (*responses)[i];
    if (!item.is_object()) throw Malformed(op, "responses");
    if (std::holds_alternative<RangeRequest>(ran[i])) {
      result.responses.emplace_back(
          ParseRange(ObjectField(item, "response_range", op), op));
    } else if (std::holds_alternative<PutRequest>(ran[i])) {
      result.responses.emplace_back(
          PutResult{HeaderRevision(ObjectField(item, "response_put", op), op)});
    } else {
      result.responses.emplace_back(
          ParseDelete(ObjectField(item, "response_delete_range", op), op));
    }
  }
  return result;
}

Lease Client::LeaseGrant(int64_t ttl_seconds) {
  const std::string op = "lease grant";
  json body = {{"TTL", Str(ttl_seconds)}};
  json answer = Parse(Call(op, "/v3/lease/grant", body.dump()), op);
  Lease lease{Int64Field(answer, "ID", op), Int64Field(answer, "TTL", op)};
  if (lease.id == 0) throw Malformed(op, "ID");
  return lease;
}

int64_t Client::LeaseKeepAlive(int64_t id) {
  const std::string op = "lease keepalive " + Str(id);
  json body = {{"ID", Str(id)}};
  json answer = Parse(Call(op, "/v3/lease/keepalive", body.dump()), op);
  // A stream: {"result": {...}}; an unknown lease is TTL 0, not an error.
  return Int64Field(ObjectField(answer, "result", op), "TTL", op);
}

void Client::LeaseRevoke(int64_t id) {
  const std::string op = "lease revoke " + Str(id);
  json body = {{"ID", Str(id)}};
  Parse(Call(op, "/v3/lease/revoke", body.dump()), op);
}

}  // namespace certpilot::etcd
