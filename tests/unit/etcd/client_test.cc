#include "etcd/client.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "etcd/etcd_error.h"
#include "etcd/key_range.h"
#include "util/base64url.h"

namespace certpilot::etcd {
namespace {

using nlohmann::json;

// Answers each request with the next scripted reply; a reply may instead be
// a transport failure. Records every request.
class ScriptedHttp : public http::HttpClient {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    bool transport_error = false;
  };
  std::deque<Reply> replies;
  std::vector<http::Request> requests;

  void Answer(const json& body, int status = 200) {
    replies.push_back({status, body.dump(), false});
  }
  void Unreachable() { replies.push_back({0, "", true}); }

  http::Response Do(const http::Request& request) override {
    requests.push_back(request);
    if (replies.empty()) throw std::logic_error("unexpected " + request.url);
    Reply reply = replies.front();
    replies.pop_front();
    if (reply.transport_error)
      throw http::TransportError(
          request.url, "POST " + request.url + ": Connection refused");
    http::Response response;
    response.status = reply.status;
    response.body = reply.body;
    return response;
  }

  json Body(size_t i) const { return json::parse(requests.at(i).body); }
};

std::string B64(const std::string& s) { return Base64Encode(s); }

json Header(int64_t revision) {
  return {{"cluster_id", "1"}, {"revision", std::to_string(revision)}};
}

ClientOptions Endpoints(std::vector<std::string> urls) {
  ClientOptions options;
  options.endpoints = std::move(urls);
  return options;
}

TEST(EtcdPrefixRangeEnd, IncrementsTheLastByteBelowFf) {
  EXPECT_EQ(PrefixRangeEnd("/certpilot/"), "/certpilot0");
  EXPECT_EQ(PrefixRangeEnd("a"), "b");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
  EXPECT_EQ(PrefixRangeEnd(std::string("\xff", 1)), std::string(1, '\0'));
}

TEST(EtcdClient, RejectsNoEndpointAndNonHttpUrls) {
  ScriptedHttp http;
  EXPECT_THROW(Client(http, Endpoints({})), UsageError);
  EXPECT_THROW(Client(http, Endpoints({"127.0.0.1:2379"})), UsageError);
}

TEST(EtcdClient, PutSendsBase64AndStringInt64s) {
  ScriptedHttp http;
  http.Answer({{"header", Header(7)}});
  Client client(http, Endpoints({"https://127.0.0.1:2379/"}));
  PutResult result = client.Put({"/k\x01", "v\xff", 42});
  EXPECT_EQ(result.revision, 7);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].url, "https://127.0.0.1:2379/v3/kv/put");
  EXPECT_EQ(http.requests[0].method, "POST");
  EXPECT_EQ(
      http.Body(0),
      json({{"key", B64("/k\x01")}, {"value", B64("v\xff")}, {"lease", "42"}}));
}

TEST(EtcdClient, RangePrefixDecodesKeyValuesAndDefaults) {
  ScriptedHttp http;
  http.Answer({{"header", Header(9)},
               {"kvs",
                {{{"key", B64("/p/a")},
                  {"value", B64("one")},
                  {"create_revision", "3"},
                  {"mod_revision", "5"},
                  {"version", "2"},
                  {"lease", "77"}},
                 {{"key", B64("/p/b")}, {"create_revision", 8}}}},
               {"count", "2"}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  RangeResult r = client.RangePrefix("/p/");
  EXPECT_EQ(http.Body(0),
            json({{"key", B64("/p/")}, {"range_end", B64("/p0")}}));
  EXPECT_EQ(r.revision, 9);
  EXPECT_EQ(r.count, 2);
  EXPECT_FALSE(r.more);
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[0].key, "/p/a");
  EXPECT_EQ(r.kvs[0].value, "one");
  EXPECT_EQ(r.kvs[0].create_revision, 3);
  EXPECT_EQ(r.kvs[0].mod_revision, 5);
  EXPECT_EQ(r.kvs[0].version, 2);
  EXPECT_EQ(r.kvs[0].lease, 77);
  EXPECT_EQ(r.kvs[1].value, "");  // absent = empty (proto3 JSON)
  EXPECT_EQ(r.kvs[1].create_revision, 8);
  EXPECT_EQ(r.kvs[1].lease, 0);
}

TEST(EtcdClient, RangeSendsLimitRevisionKeysOnly) {
  ScriptedHttp http;
  http.Answer({{"header", Header(4)}, {"more", true}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  RangeRequest request;
  request.key = "a";
  request.range_end = "b";
  request.limit = 10;
  request.revision = 3;
  request.keys_only = true;
  RangeResult r = client.Range(request);
  EXPECT_TRUE(r.more);
  EXPECT_TRUE(r.kvs.empty());
  EXPECT_EQ(http.Body(0), json({{"key", B64("a")},
                                {"range_end", B64("b")},
                                {"limit", "10"},
                                {"revision", "3"},
                                {"keys_only", true}}));
}

TEST(EtcdClient, MalformedAnswersNameTheField) {
  ScriptedHttp http;
  http.Answer({{"header", Header(1)}, {"kvs", {{{"key", "not base64!"}}}}});
  http.Answer({{"header", {{"revision", "12x"}}}});
  http.replies.push_back({200, "<html>", false});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  try {
    client.RangePrefix("/");
    FAIL() << "no error";
  } catch (const EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("\"key\""), std::string::npos);
  }
  EXPECT_THROW(client.Put({"k", "v", 0}), EtcdError);
  EXPECT_THROW(client.Delete({"k", ""}), EtcdError);
}

TEST(EtcdClient, TxnSendsComparesAndParsesTheBranchThatRan) {
  ScriptedHttp http;
  http.Answer({{"header", Header(20)},
               {"succeeded", true},
               {"responses",
                {{{"response_put", {{"header", Header(20)}}}},
                 {{"response_delete_range",
                   {{"header", Header(20)}, {"deleted", "1"}}}},
                 {{"response_range",
                   {{"header", Header(20)},
                    {"kvs", {{{"key", B64("x")}, {"value", B64("y")}}}},
                    {"count", "1"}}}}}}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  TxnRequest txn;
  txn.compare = {
      Compare::ModRevision("/lock", Compare::Result::kEqual, 15),
      Compare::CreateRevision("/new", Compare::Result::kEqual, 0),
      Compare::Value("/v", Compare::Result::kNotEqual, "old"),
  };
  txn.success = {PutRequest{"/new", "data", 0}, DeleteRequest{"/old", ""},
                 KeyRange("x")};
  txn.failure = {KeyRange("/lock")};
  TxnResult r = client.Txn(txn);
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:1/v3/kv/txn");
  json expected = {
      {"compare",
       {{{"key", B64("/lock")},
         {"target", "MOD"},
         {"result", "EQUAL"},
         {"mod_revision", "15"}},
        {{"key", B64("/new")},
         {"target", "CREATE"},
         {"result", "EQUAL"},
         {"create_revision", "0"}},
        {{"key", B64("/v")},
         {"target", "VALUE"},
         {"result", "NOT_EQUAL"},
         {"value", B64("old")}}}},
      {"success",
       {{{"request_put", {{"key", B64("/new")}, {"value", B64("data")}}}},
        {{"request_delete_range", {{"key", B64("/old")}}}},
        {{"request_range", {{"key", B64("x")}}}}}},
      {"failure", {{{"request_range", {{"key", B64("/lock")}}}}}}};
  EXPECT_EQ(http.Body(0), expected);
  EXPECT_TRUE(r.succeeded);
  EXPECT_EQ(r.revision, 20);
  ASSERT_EQ(r.responses.size(), 3u);
  EXPECT_EQ(std::get<PutResult>(r.responses[0]).revision, 20);
  EXPECT_EQ(std::get<DeleteResult>(r.responses[1]).deleted, 1);
  ASSERT_EQ(std::get<RangeResult>(r.responses[2]).kvs.size(), 1u);
  EXPECT_EQ(std::get<RangeResult>(r.responses[2]).kvs[0].value, "y");
}

TEST(EtcdClient, FailedTxnHasNoSucceededFieldAndRunsFailureOps) {
  ScriptedHttp http;
  http.Answer(
      {{"header", Header(21)},
       {"responses", {{{"response_range", {{"header", Header(21)}}}}}}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  TxnRequest txn;
  txn.compare = {Compare::ModRevision("/lock", Compare::Result::kEqual, 1)};
  txn.success = {PutRequest{"/a", "b", 0}};
  txn.failure = {KeyRange("/lock")};
  TxnResult r = client.Txn(txn);
  EXPECT_FALSE(r.succeeded);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<RangeResult>(r.responses[0]));
}

TEST(EtcdClient, TxnAnswerWithWrongNumberOfResponsesIsMalformed) {
  ScriptedHttp http;
  http.Answer({{"header", Header(21)}, {"succeeded", true}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  TxnRequest txn;
  txn.success = {PutRequest{"/a", "b", 0}};
  EXPECT_THROW(client.Txn(txn), EtcdError);
}

TEST(EtcdClient, MemberErrorsCarryTheGrpcCode) {
  ScriptedHttp http;
  http.Answer({{"error", "etcdserver: requested lease not found"},
               {"message", "etcdserver: requested lease not found"},
               {"code", 5}},
              404);
  Client client(http, Endpoints({"http://127.0.0.1:1", "http://127.0.0.1:2"}));
  try {
    client.LeaseRevoke(99);
    FAIL() << "no error";
  } catch (const EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kNotFound);
    EXPECT_EQ(e.message(), "etcdserver: requested lease not found");
    EXPECT_NE(std::string(e.what()).find("lease revoke 99"), std::string::npos);
  }
  // An answer is final: the second endpoint was not asked.
  EXPECT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.Body(0), json({{"ID", "99"}}));
}

TEST(EtcdClient, TransportErrorMovesToTheNextEndpointAndStaysThere) {
  ScriptedHttp http;
  http.Unreachable();
  http.Answer({{"header", Header(2)}});
  http.Answer({{"header", Header(3)}});
  Client client(http, Endpoints({"http://127.0.0.1:1", "http://127.0.0.1:2"}));
  EXPECT_EQ(client.current_endpoint(), "http://127.0.0.1:1");
  client.Put({"a", "1", 0});
  client.Put({"a", "2", 0});
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:1/v3/kv/put");
  EXPECT_EQ(http.requests[1].url, "http://127.0.0.1:2/v3/kv/put");
  EXPECT_EQ(http.requests[2].url, "http://127.0.0.1:2/v3/kv/put");
  EXPECT_EQ(client.current_endpoint(), "http://127.0.0.1:2");
}

TEST(EtcdClient, NoEndpointAnsweringIsUnavailableNamingEach) {
  ScriptedHttp http;
  http.Unreachable();
  http.Unreachable();
  Client client(http, Endpoints({"http://127.0.0.1:1", "http://127.0.0.1:2"}));
  try {
    client.RangePrefix("/");
    FAIL() << "no error";
  } catch (const EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kUnavailable);
    std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:1"), std::string::npos) << what;
    EXPECT_NE(what.find("127.0.0.1:2"), std::string::npos) << what;
  }
}

TEST(EtcdClient, LeaseGrantKeepAliveRevoke) {
  ScriptedHttp http;
  http.Answer({{"header", Header(1)}, {"ID", "7587"}, {"TTL", "10"}});
  // keepalive is a stream: one object per line.
  http.replies.push_back(
      {200,
       R"({"result":{"header":{"revision":"1"},"ID":"7587","TTL":"10"}})"
       "\n",
       false});
  http.Answer({{"result", {{"header", Header(1)}, {"ID", "7587"}}}});
  http.Answer({{"header", Header(2)}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  Lease lease = client.LeaseGrant(10);
  EXPECT_EQ(lease.id, 7587);
  EXPECT_EQ(lease.ttl, 10);
  EXPECT_EQ(http.Body(0), json({{"TTL", "10"}}));
  EXPECT_EQ(client.LeaseKeepAlive(lease.id), 10);
  EXPECT_EQ(http.requests[1].url, "http://127.0.0.1:1/v3/lease/keepalive");
  EXPECT_EQ(http.Body(1), json({{"ID", "7587"}}));
  EXPECT_EQ(client.LeaseKeepAlive(lease.id), 0);  // expired: TTL absent
  client.LeaseRevoke(lease.id);
  EXPECT_EQ(http.requests[3].url, "http://127.0.0.1:1/v3/lease/revoke");
}

TEST(EtcdClient, StreamedErrorIsAnEtcdError) {
  ScriptedHttp http;
  http.Answer({{"error",
                {{"grpc_code", 14},
                 {"http_code", 503},
                 {"message", "etcdserver: no leader"}}}});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  try {
    client.LeaseKeepAlive(1);
    FAIL() << "no error";
  } catch (const EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kUnavailable);
    EXPECT_EQ(e.message(), "etcdserver: no leader");
  }
}

TEST(EtcdClient, AuthenticatesFirstAndSendsTheToken) {
  ScriptedHttp http;
  http.Answer({{"header", Header(1)}, {"token", "tok.1"}});
  http.Answer({{"header", Header(2)}});
  ClientOptions options = Endpoints({"http://127.0.0.1:1"});
  options.user = "certpilot";
  options.password = "s3cret";
  Client client(http, options);
  client.Put({"a", "b", 0});
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:1/v3/auth/authenticate");
  EXPECT_EQ(http.Body(0),
            json({{"name", "certpilot"}, {"password", "s3cret"}}));
  auto token = [&](size_t i) -> std::string {
    for (const auto& [name, value] : http.requests[i].headers)
      if (name == "Authorization") return value;
    return "";
  };
  EXPECT_EQ(token(0), "");
  EXPECT_EQ(token(1), "tok.1");
}

TEST(EtcdClient, ExpiredTokenIsRenewedOnce) {
  ScriptedHttp http;
  http.Answer({{"token", "tok.1"}});
  http.Answer({{"code", 16}, {"message", "etcdserver: invalid auth token"}},
              401);
  http.Answer({{"token", "tok.2"}});
  http.Answer({{"header", Header(5)}});
  ClientOptions options = Endpoints({"http://127.0.0.1:1"});
  options.user = "u";
  options.password = "p";
  Client client(http, options);
  EXPECT_EQ(client.Put({"a", "b", 0}).revision, 5);
  ASSERT_EQ(http.requests.size(), 4u);
  EXPECT_EQ(http.requests[3].headers.back(),
            (std::pair<std::string, std::string>{"Authorization", "tok.2"}));
}

TEST(EtcdClient, WrongPasswordIsAnError) {
  ScriptedHttp http;
  http.Answer({{"code", 3},
               {"message",
                "etcdserver: authentication failed, invalid user "
                "ID or password"}},
              400);
  ClientOptions options = Endpoints({"http://127.0.0.1:1"});
  options.user = "u";
  options.password = "wrong";
  Client client(http, options);
  try {
    client.RangePrefix("/");
    FAIL() << "no error";
  } catch (const EtcdError& e) {
    EXPECT_EQ(e.code(), GrpcCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("authenticate as u"),
              std::string::npos);
  }
}

TEST(EtcdClient, NonEtcdErrorStatusIsAnError) {
  ScriptedHttp http;
  http.replies.push_back({404, "404 page not found", false});
  Client client(http, Endpoints({"http://127.0.0.1:1"}));
  EXPECT_THROW(client.Put({"a", "b", 0}), EtcdError);
}

}  // namespace
}  // namespace certpilot::etcd
