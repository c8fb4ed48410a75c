// The Route 53 provider against a fake of the Route 53 REST API (2013-04-01)
// that keeps hosted zones in memory and refuses what the API reference does
// not allow: a request whose SigV4 signature does not verify with the
// shared secret (or is dated more than 5 minutes off, or does not sign Host
// and X-Amz-Date), an unknown path, a ChangeBatch that is not well formed,
// a DELETE that does not name the RRset exactly as it is. ListHostedZones
// answers two zones a page (IsTruncated/NextMarker); a change is PENDING at
// its first GetChange and INSYNC after. Errors come back as Route 53 sends
// them (<ErrorResponse><Error><Type/><Code/><Message/>).
#include "dns_providers/route53.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "crypto/digest.h"
#include "dns_providers/aws_sigv4.h"
#include "dns_providers/xml_text.h"
#include "solvers/dns_provider.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kBase[] = "https://route53.test/2013-04-01";

std::string Header(const http::Request& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (ToLower(n) == ToLower(name)) return v;
  return "";
}

class FakeRoute53Api : public http::HttpClient {
 public:
  struct Zone {
    std::string id, name;
    bool private_zone;
  };
  struct RRset {
    std::vector<std::string> values;  // zone-file form, quoted
    unsigned long ttl;
  };

  explicit FakeRoute53Api(Clock& clock) : clock_(clock) {
    AddZone("Z1EXAMPLE", "example.com.");
    AddZone("Z2PRIVATE", "sub.example.com.", /*private_zone=*/true);
    AddZone("Z3SUB", "deep.example.com.");
    AddZone("Z4ORG", "example.org.");
    AddZone("Z5NET", "example.net.");
  }

  void AddZone(const std::string& id, const std::string& name,
               bool private_zone = false) {
    zones.push_back({id, name, private_zone});
  }

  http::Response Do(const http::Request& r) override {
    std::string path = r.url.substr(std::string(kBase).size());
    log.push_back(r.method + " " + path);
    if (next_status) {
      int status = *next_status;
      next_status.reset();
      return Error(status, next_code, next_message);
    }
    if (std::string why = SignatureProblem(r); !why.empty())
      return Error(403, "SignatureDoesNotMatch", why);
    std::string query;
    if (size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (r.method == "GET" && path == "/hostedzone") return ListZones(query);
    if (StartsWith(path, "/change/") && r.method == "GET") {
      const std::string id = path.substr(8);
      if (!changes.count(id))
        return Error(404, "NoSuchChange",
                     "A change with the specified change "
                     "ID does not exist.");
      const std::string status = changes[id]++ ? "INSYNC" : "PENDING";
      return Ok(
          "<GetChangeResponse xmlns=\"https://route53.amazonaws.com/"
          "doc/2013-04-01/\"><ChangeInfo><Id>/change/" +
          id + "</Id><Status>" + status +
          "</Status><SubmittedAt>2026-12-04T10:00:00.000Z</"
          "SubmittedAt></ChangeInfo></GetChangeResponse>");
    }
    if (!StartsWith(path, "/hostedzone/")) return NotFound();
    std::vector<std::string> parts = Split(path.substr(12), '/');
    const Zone* zone = nullptr;
    for (const Zone& z : zones)
      if (z.id == parts[0]) zone = &z;
    if (!zone)
      return Error(404, "NoSuchHostedZone",
                   "No hosted zone found with ID: " + parts[0]);
    if (r.method == "GET" && parts.size() == 2 && parts[1] == "rrset")
      return ListRecords(*zone, query);
    if (r.method == "POST" && parts.size() == 3 && parts[1] == "rrset" &&
        parts[2].empty())
      return ChangeRecords(*zone, r);
    return NotFound();
  }

  static http::Response Ok(std::string body) {
    http::Response r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/xml"}};
    r.body = std::move(body);
    return r;
  }
  static http::Response Error(int status, const std::string& code,
                              const std::string& message) {
    http::Response r;
    r.status = status;
    r.headers = {{"Content-Type", "text/xml"}};
    r.body =
        "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://"
        "route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type>"
        "<Code>" +
        code + "</Code><Message>" + XmlEscape(message) +
        "</Message></Error><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb"
        "</RequestId></ErrorResponse>";
    return r;
  }
  static http::Response NotFound() {
    return Error(404, "UnknownOperationException", "no such operation");
  }

  // "" when `r` carries a valid SigV4 signature by kKeyId.
  std::string SignatureProblem(const http::Request& r) {
    const std::string auth = Header(r, "Authorization");
    const std::string date = Header(r, "X-Amz-Date");
    const std::string prefix = std::string("AWS4-HMAC-SHA256 Credential=") +
                               kKeyId + "/" + date.substr(0, 8) +
                               "/us-east-1/route53/aws4_request, "
                               "SignedHeaders=";
    if (!StartsWith(auth, prefix)) return "bad credential scope: " + auth;
    const size_t comma = auth.find(", Signature=", prefix.size());
    if (comma == std::string::npos) return "no signature";
    const std::string signed_headers =
        auth.substr(prefix.size(), comma - prefix.size());
    const std::vector<std::string> names = Split(signed_headers, ';');
    for (const char* needed : {"host", "x-amz-date"})
      if (std::find(names.begin(), names.end(), needed) == names.end())
        return std::string(needed) + " is not signed";
    if (date != AmzDate(clock_.Now()))  // the fake clock does not move
      return "Signature expired: " + date + " is not " + AmzDate(clock_.Now());
    SigV4Input in;
    in.method = r.method;
    const std::string after_host = r.url.substr(r.url.find('/', 8));
    const size_t q = after_host.find('?');
    in.path = after_host.substr(0, q);
    in.query = q == std::string::npos ? "" : after_host.substr(q + 1);
    for (const auto& [n, v] : r.headers)
      if (std::find(names.begin(), names.end(), ToLower(n)) != names.end())
        in.headers.emplace_back(n, v);
    if (Header(r, "Host") != "route53.test") return "Host is not the URL's";
    in.payload_hash = crypto::HexLower(crypto::Sha256(r.body));
    const std::string expected = SigV4Authorization(
        {kKeyId, kSecret, ""}, "us-east-1", "route53", date, in);
    if (auth != expected)
      return "The request signature we calculated does not match the "
             "signature you provided.";
    return "";
  }

  http::Response ListZones(const std::string& query) {
    size_t start = 0;
    if (StartsWith(query, "marker=")) {
      const std::string marker = query.substr(7);
      start = zones.size();
      for (size_t i = 0; i < zones.size(); ++i)
        if (zones[i].id == marker) start = i;
      if (start == zones.size())
        return Error(400, "InvalidInput", "bad marker");
    } else if (!query.empty()) {
      return Error(400, "InvalidInput", "unexpected query " + query);
    }
    std::string body =
        "<?xml version=\"1.0\"?>\n<ListHostedZonesResponse xmlns=\"https://"
        "route53.amazonaws.com/doc/2013-04-01/\"><HostedZones>";
    for (size_t i = start; i < zones.size() && i < start + 2; ++i)
      body += "<HostedZone><Id>/hostedzone/" + zones[i].id + "</Id><Name>" +
              zones[i].name +
              "</Name><CallerReference>ref</CallerReference>"
              "<Config><PrivateZone>" +
              (zones[i].private_zone ? "true" : "false") +
              "</PrivateZone></Config><ResourceRecordSetCount>2"
              "</ResourceRecordSetCount></HostedZone>";
    body += "</HostedZones>";
    const bool truncated = start + 2 < zones.size();
    body += std::string("<IsTruncated>") + (truncated ? "true" : "false") +
            "</IsTruncated>";
    if (truncated)
      body += "<NextMarker>" + zones[start + 2].id + "</NextMarker>";
    body += "<MaxItems>2</MaxItems></ListHostedZonesResponse>";
    ++zone_pages;
    return Ok(body);
  }

  http::Response ListRecords(const Zone& zone, const std::string& query) {
    std::map<std::string, std::string> q;
    for (const std::string& kv : Split(query, '&'))
      q[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    if (q["type"] != "TXT" || q["maxitems"] != "1" || q["name"].empty())
      return Error(400, "InvalidInput", "unexpected query " + query);
    std::string name = q["name"];
    for (size_t p; (p = name.find("%2E")) != std::string::npos;)
      name.replace(p, 3, ".");
    std::string body =
        "<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse><"
        "ResourceRecordSets>";
    // The list starts at `name`: the next RRset in order when none is there.
    auto it = records[zone.id].lower_bound(name);
    if (it != records[zone.id].end()) {
      body += "<ResourceRecordSet><Name>" + it->first +
              "</Name><Type>TXT</Type><TTL>" + std::to_string(it->second.ttl) +
              "</TTL><ResourceRecords>";
      for (const std::string& v : it->second.values)
        body += "<ResourceRecord><Value>" + XmlEscape(v) +
                "</Value></ResourceRecord>";
      body += "</ResourceRecords></ResourceRecordSet>";
    }
    body +=
        "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1"
        "</MaxItems></ListResourceRecordSetsResponse>";
    return Ok(body);
  }

  http::Response ChangeRecords(const Zone& zone, const http::Request& r) {
    if (Header(r, "Content-Type") != "text/xml")
      return Error(400, "InvalidInput", "Content-Type is not text/xml");
    if (!StartsWith(r.body, "<?xml") ||
        r.body.find("<ChangeResourceRecordSetsRequest xmlns=\"https://"
                    "route53.amazonaws.com/doc/2013-04-01/\">") ==
            std::string::npos)
      return Error(400, "InvalidInput",
                   "not a ChangeResourceRecordSetsRequest");
    std::vector<std::string_view> changes_in = XmlElements(r.body, "Change");
    if (changes_in.size() != 1)
      return Error(400, "InvalidChangeBatch", "expected one change");
    const std::string action = XmlText(changes_in[0], "Action").value_or("");
    const std::string name = XmlText(changes_in[0], "Name").value_or("");
    const std::string type = XmlText(changes_in[0], "Type").value_or("");
    const std::string ttl = XmlText(changes_in[0], "TTL").value_or("");
    std::vector<std::string> values;
    for (std::string_view rec : XmlElements(changes_in[0], "ResourceRecord"))
      values.push_back(XmlText(rec, "Value").value_or(""));
    if (type != "TXT" || ttl.empty() || values.empty())
      return Error(400, "InvalidInput", "Invalid XML ; incomplete RRset");
    for (const std::string& v : values)
      if (v.size() < 2 || v.front() != '"' || v.back() != '"')
        return Error(400, "InvalidChangeBatch",
                     "Invalid Resource Record: FATAL problem: "
                     "InvalidCharacterString (Value should be enclosed in "
                     "quotation marks) encountered with '" +
                         v + "'");
    if (!EndsWith(name, "." + zone.name))
      return Error(400, "InvalidChangeBatch",
                   "RRSet with DNS name " + name +
                       " is not permitted in zone " + zone.name);
    auto& rrsets = records[zone.id];
    if (action == "UPSERT") {
      rrsets[name] = {values, std::stoul(ttl)};
    } else if (action == "DELETE") {
      auto it = rrsets.find(name);
      if (it == rrsets.end())
        return Error(400, "InvalidChangeBatch",
                     "Tried to delete resource record set [name='" + name +
                         "', type='TXT'] but it was not found");
      if (it->second.values != values || std::to_string(it->second.ttl) != ttl)
        return Error(400, "InvalidChangeBatch",
                     "Tried to delete resource record set [name='" + name +
                         "', type='TXT'] but the values provided do not "
                         "match the current values");
      rrsets.erase(it);
    } else {
      return Error(400, "InvalidInput", "bad action " + action);
    }
    const std::string id = "C" + std::to_string(100 + changes.size());
    changes[id] = 0;
    actions.push_back(action + " " + name);
    return Ok(
        "<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse>"
        "<ChangeInfo><Id>/change/" +
        id +
        "</Id><Status>PENDING</Status><SubmittedAt>2026-12-04T10:00:"
        "00.000Z</SubmittedAt></ChangeInfo>"
        "</ChangeResourceRecordSetsResponse>");
  }

  Clock& clock_;
  std::vector<Zone> zones;
  std::map<std::string, std::map<std::string, RRset>> records;  // zone id →
  std::map<std::string, int> changes;  // change id → GetChange calls
  std::vector<std::string> log, actions;
  int zone_pages = 0;
  std::optional<int> next_status;
  std::string next_code = "Throttling", next_message = "Rate exceeded";
};

class Route53ProviderTest : public ::testing::Test {
 protected:
  Route53Credentials Credentials(const std::string& secret = kSecret) {
    Route53Credentials c;
    c.key = {kKeyId, secret, ""};
    c.api_url = "https://route53.test";
    return c;
  }
  testing::FakeClock clock_{std::chrono::system_clock::from_time_t(
      1796378400)};  // 2026-12-04T10:00:00Z
  FakeRoute53Api api_{clock_};
  Route53Provider provider_{Credentials(), api_, clock_};
};

TEST_F(Route53ProviderTest, FindsTheLongestPublicZoneAcrossPages) {
  EXPECT_EQ(provider_.FindZone("_acme-challenge.www.deep.example.com."),
            "deep.example.com.");
  EXPECT_EQ(api_.zone_pages, 3);  // 5 zones, 2 a page
  EXPECT_THAT(api_.log,
              ElementsAre("GET /hostedzone", "GET /hostedzone?marker=Z3SUB",
                          "GET /hostedzone?marker=Z5NET"));
  // sub.example.com is private: its names belong to the public parent.
  EXPECT_EQ(provider_.FindZone("_acme-challenge.sub.example.com"),
            "example.com.");
  try {
    provider_.FindZone("_acme-challenge.example.edu.");
    ADD_FAILURE() << "no zone found";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("no zone for _acme-challenge.example.edu."));
    EXPECT_THAT(e.what(), HasSubstr("example.org."));
    EXPECT_THAT(e.what(), Not(HasSubstr("sub.example.com")));
  }
}

TEST_F(Route53ProviderTest, UpsertsBesideOtherValuesWaitsInSyncAndDeletes) {
  const std::string zone = provider_.FindZone("_acme-challenge.example.com.");
  api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."] = {
      {"\"someone-elses\""}, 300};
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-a", 60);
  // A change is PENDING, then INSYNC: one pause of the poll interval.
  EXPECT_THAT(clock_.sleeps(), ElementsAre(std::chrono::seconds(5)));
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-b", 60);
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-b", 60);
  EXPECT_EQ(api_.actions.size(), 2u);  // the repeat changed nothing
  EXPECT_THAT(api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."].values,
              ElementsAre("\"someone-elses\"", "\"token-a\"", "\"token-b\""));
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-a");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-b");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-b");
  EXPECT_THAT(api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."].values,
              ElementsAre("\"someone-elses\""));
  // Our own RRset alone: the last value goes with an exact DELETE.
  provider_.AddTxt(zone, "_acme-challenge.www.example.com.", "token-c", 60);
  provider_.DeleteTxt(zone, "_acme-challenge.www.example.com.", "token-c");
  EXPECT_EQ(api_.records["Z1EXAMPLE"].count("_acme-challenge.www.example.com."),
            0u);
  EXPECT_EQ(api_.actions.back(), "DELETE _acme-challenge.www.example.com.");
}

TEST_F(Route53ProviderTest, AChangeThatNeverSyncsIsAnError) {
  const std::string zone = provider_.FindZone("example.com.");
  Route53Options o;
  o.insync_timeout = std::chrono::seconds(20);
  struct Pending : http::HttpClient {
    FakeRoute53Api& api;
    explicit Pending(FakeRoute53Api& a) : api(a) {}
    http::Response Do(const http::Request& r) override {
      http::Response out = api.Do(r);
      for (auto& [id, n] : api.changes) n = 0;  // never past PENDING
      return out;
    }
  } pending(api_);
  Route53Provider stuck(Credentials(), pending, clock_, o);
  try {
    stuck.AddTxt(zone, "_acme-challenge.example.com.", "v", 60);
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("still PENDING after 20 s"));
  }
}

TEST_F(Route53ProviderTest, ApiErrorsCarryRoute53sCodeAndMessageNotTheSecret) {
  const std::string zone = provider_.FindZone("example.com.");
  api_.next_status = 400;
  try {
    provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60);
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Route 53 API: GET /2013-04-01/hostedzone/"
                                    "Z1EXAMPLE/rrset"));
    EXPECT_THAT(e.what(), HasSubstr("answered 400: Throttling: Rate exceeded"));
    EXPECT_EQ(e.status(), 400);
  }
  api_.next_status = 429;
  api_.next_code = "Throttling";
  EXPECT_THROW(provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60),
               solvers::DnsProviderError);
  api_.next_status = 503;
  api_.next_code = "ServiceUnavailable";
  EXPECT_THROW(provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60),
               solvers::DnsProviderError);

  Route53Provider wrong(Credentials("not-the-secret-at-all"), api_, clock_);
  try {
    wrong.FindZone("example.com.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_THAT(e.what(), HasSubstr("SignatureDoesNotMatch"));
    EXPECT_THAT(e.what(), HasSubstr("check the API key"));
    EXPECT_THAT(e.what(), Not(HasSubstr("not-the-secret-at-all")));
  }
  EXPECT_TRUE(api_.records["Z1EXAMPLE"].empty());
}

TEST(Route53CredentialsTest, ParsesTheFileAndRefusesMissingKeys) {
  Route53Credentials c = ParseRoute53Credentials(
      "dns_route53_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
      "dns_route53_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY\n",
      "r53.ini");
  EXPECT_EQ(c.key.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c.key.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCY");
  EXPECT_EQ(c.api_url, "https://route53.amazonaws.com");
  try {
    ParseRoute53Credentials("dns_route53_access_key_id = AKIA\n", "r53.ini");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("r53.ini: missing dns_route53_secret_access_key"));
  }
}

TEST(Route53CredentialsTest, FollowsBotosOrderEnvironmentThenSharedFile) {
  testing::TempDir dir;
  sys::PosixFilesystem fs;
  Route53Credentials env = Route53CredentialsFromEnvironment(
      fs, {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
           {"AWS_SECRET_ACCESS_KEY", "secretenv"},
           {"AWS_SESSION_TOKEN", "tok"},
           {"HOME", dir.path()}});
  EXPECT_EQ(env.key.access_key_id, "AKIDENV");
  EXPECT_EQ(env.key.session_token, "tok");
  EXPECT_THROW(
      Route53CredentialsFromEnvironment(fs, {{"AWS_ACCESS_KEY_ID", "AKIDENV"}}),
      UsageError);
  EXPECT_THROW(Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}}),
               UsageError);

  ASSERT_EQ(::mkdir((dir / ".aws").c_str(), 0700), 0);
  const std::string shared = dir / ".aws/credentials";
  std::ofstream(shared) << "[default]\naws_access_key_id = AKIDDEFAULT\n"
                           "aws_secret_access_key = s1\n\n[ci]\n"
                           "aws_access_key_id=AKIDCI\naws_secret_access_key="
                           "s2\n";
  ASSERT_EQ(::chmod(shared.c_str(), 0600), 0);
  EXPECT_EQ(Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}})
                .key.access_key_id,
            "AKIDDEFAULT");
  EXPECT_EQ(Route53CredentialsFromEnvironment(
                fs, {{"HOME", dir.path()}, {"AWS_PROFILE", "ci"}})
                .key.secret_access_key,
            "s2");
  EXPECT_THROW(Route53CredentialsFromEnvironment(
                   fs, {{"HOME", dir.path()}, {"AWS_PROFILE", "none"}}),
               UsageError);
  ASSERT_EQ(::chmod(shared.c_str(), 0644), 0);
  try {
    Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}});
    ADD_FAILURE() << "a loose shared credentials file was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chmod 600"));
  }
}

}  // namespace
}  // namespace certpilot::dns_providers
