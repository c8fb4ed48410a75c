// The PowerDNS provider against a fake of the PowerDNS Authoritative HTTP
// API (api/v1) that keeps zones in memory and checks what the API requires:
// the X-API-Key header, the paths, JSON bodies with whole RRsets
// (REPLACE/DELETE), TXT content in zone-file quotes. Errors come back as
// PowerDNS sends them ({"error": "..."}). The real server is in
// tests/integration/dns_powerdns_test.cc.
#include "dns_providers/powerdns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "solvers/dns_provider.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "s3cret-api-key-42";
constexpr char kBase[] = "http://127.0.0.1:8081/api/v1/servers/localhost";

class FakePowerDnsApi : public http::HttpClient {
 public:
  FakePowerDnsApi() {
    zones["example.com."] = {};
    zones["sub.example.com."] = {};
    zones["example.org."] = {};
  }

  http::Response Do(const http::Request& r) override {
    log.push_back(r.method + " " + r.url.substr(std::string(kBase).size()));
    if (next_status) {
      int status = *next_status;
      next_status.reset();
      return Reply(status, json{{"error", next_error}}.dump(),
                   status == 429 ? http::Headers{{"Retry-After", "30"}}
                                 : http::Headers{});
    }
    std::string key;
    for (const auto& [name, value] : r.headers)
      if (name == "X-API-Key") key = value;
    if (key != kKey)
      return Reply(401, "Unauthorized");  // PowerDNS: plain text, no JSON
    if (r.url.rfind(kBase, 0) != 0)
      return Reply(404, R"({"error":"Not Found"})");
    const std::string path = r.url.substr(std::string(kBase).size());
    if (r.method == "GET" && path == "/zones") {
      json list = json::array();
      for (const auto& [name, rrsets] : zones)
        list.push_back({{"id", name}, {"name", name}, {"kind", "Native"}});
      return Reply(200, list.dump());
    }
    if (path.rfind("/zones/", 0) != 0)
      return Reply(404, R"({"error":"Not Found"})");
    const std::string id = path.substr(7);
    if (!zones.count(id))
      return Reply(404, R"({"error":"Could not find domain ')" + id + "'\"}");
    if (r.method == "GET") {
      json rrsets = json::array();
      for (const auto& [name, contents] : zones[id]) {
        json records = json::array();
        for (const std::string& c : contents)
          records.push_back({{"content", c}, {"disabled", false}});
        rrsets.push_back({{"name", name},
                          {"type", "TXT"},
                          {"ttl", 120},
                          {"records", records}});
      }
      return Reply(200, json{{"id", id}, {"rrsets", rrsets}}.dump());
    }
    if (r.method != "PATCH") return Reply(405, R"({"error":"Method"})");
    bool json_type = false;
    for (const auto& [name, value] : r.headers)
      if (name == "Content-Type" && value == "application/json")
        json_type = true;
    EXPECT_TRUE(json_type);
    json body = json::parse(r.body);
    patches.push_back(body);
    for (const json& rrset : body.at("rrsets")) {
      const std::string name = rrset.at("name");
      EXPECT_EQ(rrset.at("type"), "TXT");
      if (rrset.at("changetype") == "DELETE") {
        zones[id].erase(name);
        continue;
      }
      EXPECT_EQ(rrset.at("changetype"), "REPLACE");
      std::vector<std::string> contents;
      for (const json& rec : rrset.at("records")) {
        const std::string c = rec.at("content");
        if (c.size() < 2 || c.front() != '"' || c.back() != '"')
          return Reply(422, json{{"error",
                                  "Parsing record content (try "
                                  "'pdnsutil check-zone'): "
                                  "Data field in DNS should start "
                                  "with quote (\") at position 0 "
                                  "of '" +
                                      c + "'"}}
                                .dump());
        contents.push_back(c);
      }
      zones[id][name] = contents;
    }
    return Reply(204, "");
  }

  static http::Response Reply(int status, std::string body,
                              http::Headers headers = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }

  // zone id → owner name → TXT contents (zone-file form).
  std::map<std::string, std::map<std::string, std::vector<std::string>>> zones;
  std::vector<std::string> log;
  std::vector<json> patches;
  std::optional<int> next_status;
  std::string next_error = "boom";
};

PowerDnsCredentials Credentials(const std::string& key = kKey) {
  return ParsePowerDnsCredentials(
      "dns_powerdns_api_url = http://127.0.0.1:8081\n"
      "dns_powerdns_api_key = " +
          key + "\n",
      "pdns.ini");
}

TEST(PowerDnsCredentialsTest, ParsesThePluginsKeysAndItsOldSpelling) {
  PowerDnsCredentials c = ParsePowerDnsCredentials(
      "# certbot-dns-powerdns\n"
      "certbot_dns_powerdns:dns_powerdns_api_url = "
      "https://api.example.org/\n"
      "certbot_dns_powerdns:dns_powerdns_api_key = AbCbASsd!@34\n",
      "pdns.ini");
  EXPECT_EQ(c.api_url, "https://api.example.org/api/v1");
  EXPECT_EQ(c.api_key, "AbCbASsd!@34");
  EXPECT_EQ(c.server_id, "localhost");
  EXPECT_EQ(ParsePowerDnsCredentials("dns_powerdns_api_url = http://h/api/v1\n"
                                     "dns_powerdns_api_key = k\n"
                                     "dns_powerdns_server_id = other\n",
                                     "x")
                .server_id,
            "other");
}

TEST(PowerDnsCredentialsTest, MissingOrBadKeysNameTheFileAndKey) {
  try {
    ParsePowerDnsCredentials("dns_powerdns_api_key = k\n", "/etc/pdns.ini");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("/etc/pdns.ini: missing dns_powerdns_api_url"));
  }
  try {
    ParsePowerDnsCredentials(
        "dns_powerdns_api_url = ftp://x\ndns_powerdns_api_key = k\n", "p.ini");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("p.ini, line 1: dns_powerdns_api_url"));
  }
  EXPECT_THROW(
      ParsePowerDnsCredentials("dns_powerdns_api_url = http://x\n", "p.ini"),
      UsageError);
}

TEST(PowerDnsProviderTest, FindsTheLongestZoneItHosts) {
  FakePowerDnsApi api;
  PowerDnsProvider pdns(Credentials(), api);
  EXPECT_EQ(pdns.FindZone("_acme-challenge.www.example.com"), "example.com.");
  EXPECT_EQ(pdns.FindZone("_acme-challenge.a.sub.example.com."),
            "sub.example.com.");
  try {
    pdns.FindZone("_acme-challenge.example.net");
    FAIL();
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("no zone for _acme-challenge.example.net."));
    EXPECT_THAT(e.what(), HasSubstr("example.org."));
  }
  EXPECT_EQ(api.log.front(), "GET /zones");
}

TEST(PowerDnsProviderTest, AddsBesideOtherValuesAndDeletesExactlyItsOwn) {
  FakePowerDnsApi api;
  const std::string name = "_acme-challenge.example.com.";
  api.zones["example.com."][name] = {"\"someone-else\""};
  PowerDnsProvider pdns(Credentials(), api);
  const std::string zone = pdns.FindZone(name);
  pdns.AddTxt(zone, name, "valueA", 60);
  pdns.AddTxt(zone, name, "valueB", 60);
  pdns.AddTxt(zone, name, "valueB", 60);  // there already: no PATCH
  EXPECT_THAT(api.zones["example.com."][name],
              ElementsAre("\"someone-else\"", "\"valueA\"", "\"valueB\""));
  ASSERT_EQ(api.patches.size(), 2u);
  EXPECT_EQ(api.patches[0]["rrsets"][0]["ttl"], 60);
  pdns.DeleteTxt(zone, name, "valueA");
  pdns.DeleteTxt(zone, name, "valueA");  // gone: no PATCH
  EXPECT_THAT(api.zones["example.com."][name],
              ElementsAre("\"someone-else\"", "\"valueB\""));
  EXPECT_EQ(api.patches.size(), 3u);

  // The last value: the RRset is deleted, not left empty.
  const std::string own = "_acme-challenge.www.example.com.";
  pdns.AddTxt(zone, own, "valueC", 60);
  pdns.DeleteTxt(zone, own, "valueC");
  EXPECT_EQ(api.patches.back()["rrsets"][0]["changetype"], "DELETE");
  EXPECT_EQ(api.zones["example.com."].count(own), 0u);
  EXPECT_THAT(api.log, Not(::testing::Contains(HasSubstr("sub.example"))));
}

TEST(PowerDnsProviderTest, ApiErrorsCarryTheProvidersMessageNotTheKey) {
  FakePowerDnsApi api;
  PowerDnsProvider wrong(Credentials("wrong-key-123456"), api);
  try {
    wrong.FindZone("_acme-challenge.example.com");
    FAIL();
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("PowerDNS API: GET /api/v1/servers/"
                                    "localhost/zones answered 401"));
    EXPECT_THAT(e.what(), HasSubstr("Unauthorized"));
    EXPECT_THAT(e.what(), Not(HasSubstr("wrong-key")));
  }
  PowerDnsProvider pdns(Credentials(), api);
  const std::string zone = pdns.FindZone("example.com");
  api.next_status = 429;
  api.next_error = std::string("slow down, ") + kKey;  // echoes the key
  try {
    pdns.AddTxt(zone, "_acme-challenge.example.com.", "v", 60);
    FAIL();
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 429);
    ASSERT_TRUE(e.retry_after().has_value());
    EXPECT_EQ(e.retry_after()->count(), 30);
    EXPECT_THAT(e.what(), HasSubstr("rate limited; retry after 30 s"));
    EXPECT_THAT(e.what(), HasSubstr("slow down, [redacted]"));
    EXPECT_THAT(e.what(), Not(HasSubstr(kKey)));
  }
  api.next_status = 500;
  api.next_error = "Backend error";
  EXPECT_THROW(pdns.DeleteTxt(zone, "_acme-challenge.example.com.", "v"),
               solvers::DnsProviderError);
}

TEST(PowerDnsProviderTest, MalformedJsonIsAnError) {
  class Garbage : public http::HttpClient {
   public:
    http::Response Do(const http::Request&) override {
      http::Response r;
      r.status = 200;
      r.body = "<html>";
      return r;
    }
  } garbage;
  PowerDnsProvider pdns(Credentials(), garbage);
  EXPECT_THROW(pdns.FindZone("example.com"), solvers::DnsProviderError);
}

}  // namespace
}  // namespace certpilot::dns_providers
