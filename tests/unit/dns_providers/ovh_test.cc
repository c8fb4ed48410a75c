// The OVH provider against a fake of the OVH API v1 that keeps zone records
// in memory and refuses what the API does not allow: a request without
// X-Ovh-Application / X-Ovh-Consumer / X-Ovh-Timestamp, a timestamp more
// than 30 s from the API's clock (which runs 1000 s ahead of ours here, so
// /auth/time must be used), an X-Ovh-Signature other than "$1$" + SHA-1 of
// AS+CK+METHOD+URL+BODY+TIMESTAMP joined by "+" (computed here on its
// own), unknown paths and bodies. Errors as OVH sends them: {"class",
// "message"}.
#include "dns_providers/ovh.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "crypto/digest.h"
#include "solvers/dns_provider.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBase[] = "https://ovh.test/1.0";
constexpr char kAppKey[] = "app-key-0001";
constexpr char kAppSecret[] = "app-secret-very-secret";
constexpr char kConsumer[] = "consumer-key-very-secret";
constexpr long long kAhead = 1000;  // the API's clock minus ours

std::string HeaderOf(const http::Request& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

class FakeOvhApi : public http::HttpClient {
 public:
  explicit FakeOvhApi(Clock& clock) : clock_(clock) {
    zones["example.com"] = {};
    zones["sub.example.com"] = {};
    zones["example.org"] = {};
  }

  static http::Response Reply(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static http::Response Error(int status, const std::string& cls,
                              const std::string& message) {
    return Reply(status, json{{"class", cls}, {"message", message}}.dump());
  }

  http::Response Do(const http::Request& r) override {
    std::string path = r.url.substr(std::string(kBase).size());
    log.push_back(r.method + " " + path);
    const long long now = UnixSeconds(clock_.Now()) + kAhead;
    if (r.method == "GET" && path == "/auth/time")
      return Reply(200, std::to_string(now));
    if (next_status) {
      int status = *next_status;
      next_status.reset();
      return Error(status, "Client::Forbidden",
                   "This call has not been granted");
    }
    if (HeaderOf(r, "X-Ovh-Application") != kAppKey)
      return Error(403, "Client::Forbidden", "Invalid application key");
    if (HeaderOf(r, "X-Ovh-Consumer") != kConsumer)
      return Error(403, "Client::Forbidden", "Invalid credential");
    const std::string ts = HeaderOf(r, "X-Ovh-Timestamp");
    if (ts.empty() || std::llabs(std::stoll(ts) - now) > 30)
      return Error(400, "Client::BadRequest",
                   "Query out of time (timestamp " + ts + ")");
    const std::string expected =
        "$1$" +
        crypto::Sha1Hex(std::string(secret) + "+" + kConsumer + "+" + r.method +
                        "+" + r.url + "+" + r.body + "+" + ts);
    if (HeaderOf(r, "X-Ovh-Signature") != expected)
      return Error(400, "Client::BadRequest", "Invalid signature");
    std::string query;
    if (size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (r.method == "GET" && path == "/domain/zone") {
      json list = json::array();
      for (const auto& [name, recs] : zones) list.push_back(name);
      return Reply(200, list.dump());
    }
    std::vector<std::string> parts = Split(path, '/');  // "", domain, zone, Z..
    if (parts.size() < 4 || parts[1] != "domain" || parts[2] != "zone")
      return Error(404, "Client::NotFound", "Got an invalid (or empty) URL");
    if (!zones.count(parts[3]))
      return Error(404, "Client::NotFound", "This service does not exist");
    auto& recs = zones[parts[3]];
    if (r.method == "POST" && parts.size() == 5 && parts[4] == "refresh") {
      ++refreshes;
      return Reply(200, "null");
    }
    if (parts.size() == 5 && parts[4] == "record") {
      if (r.method == "GET") {
        std::map<std::string, std::string> q;
        for (const std::string& kv : Split(query, '&'))
          q[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
        if (q["fieldType"] != "TXT")
          return Error(400, "Client::BadRequest", "fieldType");
        json ids = json::array();
        for (const auto& [id, rec] : recs)
          if (rec.sub == q["subDomain"]) ids.push_back(id);
        return Reply(200, ids.dump());
      }
      if (r.method == "POST") {
        json body = json::parse(r.body, nullptr, false);
        if (!body.is_object() || body.value("fieldType", "") != "TXT" ||
            !body.contains("subDomain") || !body.contains("target") ||
            !body["ttl"].is_number_unsigned() ||
            HeaderOf(r, "Content-Type") != "application/json")
          return Error(400, "Client::BadRequest", "Invalid body");
        const long long id = next_id++;
        recs[id] = {body["subDomain"], body["target"]};
        return Reply(200, json{{"id", id},
                               {"zone", parts[3]},
                               {"subDomain", recs[id].sub},
                               {"fieldType", "TXT"},
                               {"target", recs[id].target},
                               {"ttl", body["ttl"]}}
                              .dump());
      }
    }
    if (parts.size() == 6 && parts[4] == "record") {
      const long long id = std::stoll(parts[5]);
      if (!recs.count(id))
        return Error(
            404, "Client::NotFound",
            "The requested object (id = " + parts[5] + ") does not exist");
      if (r.method == "GET")
        return Reply(200, json{{"id", id},
                               {"zone", parts[3]},
                               {"subDomain", recs[id].sub},
                               {"fieldType", "TXT"},
                               {"target", recs[id].target},
                               {"ttl", 60}}
                              .dump());
      if (r.method == "DELETE") {
        recs.erase(id);
        return Reply(200, "null");
      }
    }
    return Error(404, "Client::NotFound", "Got an invalid (or empty) URL");
  }

  struct Record {
    std::string sub, target;
  };
  Clock& clock_;
  std::string secret = kAppSecret;
  std::map<std::string, std::map<long long, Record>> zones;
  std::vector<std::string> log;
  long long next_id = 5000;
  int refreshes = 0;
  std::optional<int> next_status;
};

OvhCredentials Credentials() {
  return ParseOvhCredentials(
      std::string("dns_ovh_endpoint = ") + kBase +
          "\ndns_ovh_application_key = " + kAppKey +
          "\ndns_ovh_application_secret = " + kAppSecret +
          "\ndns_ovh_consumer_key = " + kConsumer + "\n",
      "ovh.ini");
}

class OvhProviderTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  FakeOvhApi api_{clock_};
  OvhProvider provider_{Credentials(), api_, clock_};
};

TEST(OvhCredentialsTest, ParsesCertbotsKeysAndEndpointNames) {
  OvhCredentials c = ParseOvhCredentials(
      "dns_ovh_endpoint = ovh-eu\ndns_ovh_application_key = ak\n"
      "dns_ovh_application_secret = as\ndns_ovh_consumer_key = ck\n",
      "ovh.ini");
  EXPECT_EQ(c.api_url, "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(c.consumer_key, "ck");
  EXPECT_EQ(Credentials().api_url, kBase);
  try {
    ParseOvhCredentials(
        "dns_ovh_endpoint = ovh-mars\ndns_ovh_application_key = ak\n"
        "dns_ovh_application_secret = as\ndns_ovh_consumer_key = ck\n",
        "ovh.ini");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ovh.ini, line 1: dns_ovh_endpoint is "
                                    "neither one of ovh-eu"));
  }
  try {
    ParseOvhCredentials("dns_ovh_endpoint = ovh-ca\n", "ovh.ini");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing dns_ovh_application_key"));
  }
}

TEST(OvhCredentialsTest, RefusesALooseFile) {
  testing::TempDir dir;
  sys::PosixFilesystem fs;
  const std::string path =
      dir.Write("ovh.ini",
                "dns_ovh_endpoint = ovh-eu\ndns_ovh_application_key = ak\n"
                "dns_ovh_application_secret = as\ndns_ovh_consumer_key = ck\n",
                0640);
  EXPECT_THROW(LoadOvhCredentials(fs, path), UsageError);
  EXPECT_EQ(LoadOvhCredentials(fs, dir.Write("ok.ini",
                                             "dns_ovh_endpoint = ovh-us\n"
                                             "dns_ovh_application_key = a\n"
                                             "dns_ovh_application_secret = "
                                             "b\ndns_ovh_consumer_key = c\n",
                                             0600))
                .api_url,
            "https://api.us.ovhcloud.com/1.0");
}

TEST_F(OvhProviderTest, SignsWithTheApisClockAddsRefreshesAndDeletes) {
  const std::string zone =
      provider_.FindZone("_acme-challenge.www.sub.example.com.");
  EXPECT_EQ(zone, "sub.example.com.");
  EXPECT_EQ(api_.log.front(), "GET /auth/time");
  api_.zones["sub.example.com"][1] = {"_acme-challenge.www", "someone-elses"};
  provider_.AddTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-a", 60);
  provider_.AddTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b", 60);
  provider_.AddTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b", 60);
  EXPECT_EQ(api_.refreshes, 2);
  EXPECT_EQ(api_.zones["sub.example.com"].size(), 3u);
  provider_.DeleteTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-a");
  provider_.DeleteTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b");
  provider_.DeleteTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b");
  EXPECT_EQ(api_.refreshes, 4);
  ASSERT_EQ(api_.zones["sub.example.com"].size(), 1u);
  EXPECT_EQ(api_.zones["sub.example.com"].begin()->second.target,
            "someone-elses");
  // The apex is subDomain "".
  provider_.AddTxt("example.com.", "example.com.", "apex", 60);
  EXPECT_EQ(api_.zones["example.com"].begin()->second.sub, "");
  EXPECT_EQ(std::count(api_.log.begin(), api_.log.end(), "GET /auth/time"), 1);
}

TEST_F(OvhProviderTest, ErrorsCarryOvhsMessageNotTheSecrets) {
  api_.secret = "another-secret-entirely";
  try {
    provider_.FindZone("example.com.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("OVH API: GET /1.0/domain/zone answered "
                                    "400: Invalid signature"));
    EXPECT_THAT(e.what(), Not(HasSubstr(kAppSecret)));
  }
  api_.secret = kAppSecret;
  for (int status : {401, 403, 429, 500}) {
    api_.next_status = status;
    try {
      provider_.FindZone("example.com.");
      ADD_FAILURE() << status;
    } catch (const solvers::DnsProviderError& e) {
      EXPECT_EQ(e.status(), status);
      EXPECT_THAT(e.what(), HasSubstr("This call has not been granted"));
      EXPECT_THAT(e.what(), Not(HasSubstr(kConsumer)));
    }
  }
  try {
    provider_.FindZone("example.net.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no zone for example.net."));
  }
}

}  // namespace
}  // namespace certpilot::dns_providers
