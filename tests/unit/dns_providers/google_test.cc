// The Google Cloud DNS provider against a fake of Google's OAuth 2.0 token
// endpoint and Cloud DNS API v1. The token endpoint accepts only the JWT
// bearer grant (RFC 7523) whose assertion verifies, RS256, with the PUBLIC
// key of the test's service account (OpenSSL, not the code under test), and
// whose claims are what Google documents: iss = the account's client_email,
// scope = ndev.clouddns.readwrite, aud = token_uri, iat = now (±60 s), exp
// = iat + 3600, header kid = private_key_id. The API wants that token as a
// Bearer, lists managed zones two a page (nextPageToken), and applies
// changes only when "deletions" match the current RRset exactly; a change
// is "pending" at first, "done" when asked again.
#include "dns_providers/google.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "crypto/private_key.h"
#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/fake_clock.h"
#include "support/google_dns_fake.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "unit/crypto/crypto_test_util.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTokenUri[] = "https://oauth.test/token";
constexpr char kApi[] = "https://dns.test/dns/v1/projects/my-project";
constexpr char kEmail[] = "certpilot@my-project.iam.gserviceaccount.com";
constexpr char kScope[] =
    "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
constexpr char kToken[] = "ya29.c.fake-access-token-0123456789";

const crypto::PrivateKey& AccountKey() {
  return crypto::test_util::CachedKey("rsa-2048");
}

std::string KeyFile(const crypto::PrivateKey& key = AccountKey()) {
  return json{{"type", "service_account"},
              {"project_id", "my-project"},
              {"private_key_id", "kid-1234"},
              {"private_key", key.ToPem()},
              {"client_email", kEmail},
              {"client_id", "1234567890"},
              {"token_uri", kTokenUri},
              {"dns_google_api_url", "https://dns.test/dns/v1/"}}
      .dump();
}

class FakeGoogle : public http::HttpClient {
 public:
  explicit FakeGoogle(Clock& clock) : clock_(clock) {
    // The public key only, as Google keeps it.
    const std::string pem = AccountKey().PublicKeyPem();
    BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    public_key_ = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    zones = {{"zone-com", "example.com.", "public"},
             {"zone-private", "internal.example.com.", "private"},
             {"zone-sub", "sub.example.com.", "public"},
             {"zone-org", "example.org.", "public"}};
  }
  ~FakeGoogle() override { EVP_PKEY_free(public_key_); }

  static http::Response Reply(int status, const json& body) {
    http::Response r;
    r.status = status;
    r.body = body.dump();
    return r;
  }
  static http::Response ApiError(int status, const std::string& message) {
    return Reply(status, {{"error", {{"code", status}, {"message", message}}}});
  }

  std::string GrantProblem(const http::Request& r) {
    std::map<std::string, std::string> form;
    for (const std::string& kv : Split(r.body, '&'))
      form[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    if (form["grant_type"] !=
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
      return "unsupported_grant_type";
    std::vector<std::string> parts = Split(form["assertion"], '.');
    if (parts.size() != 3) return "not a JWT";
    auto header =
        json::parse(Base64UrlDecode(parts[0]).value_or(""), nullptr, false);
    auto claims =
        json::parse(Base64UrlDecode(parts[1]).value_or(""), nullptr, false);
    if (!header.is_object() || header.value("alg", "") != "RS256" ||
        header.value("kid", "") != "kid-1234")
      return "bad JWT header";
    if (!crypto::test_util::VerifyJwsSignature(
            public_key_, "RS256", parts[0] + "." + parts[1],
            Base64UrlDecode(parts[2]).value_or("")))
      return "Invalid JWT Signature.";
    const long long now = UnixSeconds(clock_.Now());
    if (!claims.is_object() || claims.value("iss", "") != kEmail ||
        claims.value("scope", "") != kScope ||
        claims.value("aud", "") != kTokenUri)
      return "Invalid JWT claims: " + claims.dump();
    const long long iat = claims.value("iat", 0LL);
    if (std::llabs(iat - now) > 60 || claims.value("exp", 0LL) != iat + 3600)
      return "Invalid JWT: Token must be a short-lived token (60 minutes) "
             "and in a reasonable timeframe.";
    return "";
  }

  http::Response Do(const http::Request& r) override {
    if (r.url == kTokenUri) {
      ++grants;
      if (r.method != "POST") return Reply(405, json::object());
      if (std::string why = GrantProblem(r); !why.empty())
        return Reply(400,
                     {{"error", "invalid_grant"}, {"error_description", why}});
      return Reply(200, {{"access_token", kToken},
                         {"expires_in", 3599},
                         {"token_type", "Bearer"}});
    }
    log.push_back(r.method + " " + r.url.substr(std::string(kApi).size()));
    if (next_status) {
      const int status = *next_status;
      next_status.reset();
      return ApiError(status, "Rate Limit Exceeded");
    }
    std::string auth;
    for (const auto& [n, v] : r.headers)
      if (n == "Authorization") auth = v;
    if (auth != std::string("Bearer ") + kToken)
      return ApiError(401, "Request had invalid authentication credentials.");
    if (!StartsWith(r.url, kApi)) return ApiError(404, "Not Found");
    std::string path = r.url.substr(std::string(kApi).size()), query;
    if (size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (r.method == "GET" && path == "/managedZones") {
      size_t start =
          StartsWith(query, "pageToken=p") ? std::stoul(query.substr(11)) : 0;
      json list = json::array();
      for (size_t i = start; i < zones.size() && i < start + 2; ++i)
        list.push_back({{"name", zones[i].name},
                        {"dnsName", zones[i].dns_name},
                        {"visibility", zones[i].visibility},
                        {"kind", "dns#managedZone"}});
      json out = {{"managedZones", list}};
      if (start + 2 < zones.size())
        out["nextPageToken"] = "p" + std::to_string(start + 2);
      return Reply(200, out);
    }
    std::vector<std::string> parts = Split(path, '/');
    if (parts.size() < 4 || parts[1] != "managedZones")
      return ApiError(404, "Not Found");
    auto& rrsets = records[parts[2]];
    if (r.method == "GET" && parts[3] == "rrsets") {
      std::map<std::string, std::string> q;
      for (const std::string& kv : Split(query, '&'))
        q[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
      std::string name = q["name"];
      for (size_t p; (p = name.find("%2E")) != std::string::npos;)
        name.replace(p, 3, ".");
      json list = json::array();
      if (q["type"] == "TXT" && rrsets.count(name))
        list.push_back(rrsets[name]);
      return Reply(200, {{"rrsets", list}});
    }
    if (r.method == "POST" && parts[3] == "changes" && parts.size() == 4) {
      json change = json::parse(r.body, nullptr, false);
      if (!change.is_object()) return ApiError(400, "Invalid JSON payload");
      for (const json& d : change.value("deletions", json::array())) {
        const std::string name = d.value("name", "");
        if (!rrsets.count(name) || rrsets[name] != d)
          return ApiError(
              412, "The resource 'entity.change.deletions[0]' named '" + name +
                       " (TXT)' does not exist.");
      }
      for (const json& d : change.value("deletions", json::array()))
        rrsets.erase(d.value("name", ""));
      for (const json& a : change.value("additions", json::array())) {
        for (const json& v : a["rrdatas"])
          if (v.get<std::string>().front() != '"')
            return ApiError(400,
                            "Invalid value for 'entity.change.additions"
                            "[0].rrdata[0]'");
        if (rrsets.count(a.value("name", "")))
          return ApiError(409,
                          "The resource 'entity.change.additions[0]' "
                          "already exists");
        rrsets[a.value("name", "")] = a;
      }
      const std::string id = std::to_string(++changes);
      return Reply(200, {{"id", id}, {"status", "pending"}});
    }
    if (r.method == "GET" && parts[3] == "changes" && parts.size() == 5)
      return Reply(200, {{"id", parts[4]}, {"status", "done"}});
    return ApiError(404, "Not Found");
  }

  struct Zone {
    std::string name, dns_name, visibility;
  };
  Clock& clock_;
  EVP_PKEY* public_key_ = nullptr;
  std::vector<Zone> zones;
  std::map<std::string, std::map<std::string, json>> records;  // zone → name
  std::vector<std::string> log;
  int grants = 0, changes = 0;
  std::optional<int> next_status;
};

class GoogleProviderTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  FakeGoogle api_{clock_};
  GoogleCloudDnsProvider provider_{
      ParseGoogleServiceAccount(KeyFile(), "k.json"), api_, clock_};
};

TEST_F(GoogleProviderTest, GrantsATokenFindsPublicZonesAcrossPages) {
  EXPECT_EQ(provider_.FindZone("_acme-challenge.a.internal.example.com"),
            "example.com.");
  EXPECT_EQ(provider_.FindZone("_acme-challenge.www.sub.example.com."),
            "sub.example.com.");
  EXPECT_EQ(api_.grants, 1);  // the token is kept
  EXPECT_THAT(
      api_.log,
      ElementsAre("GET /managedZones", "GET /managedZones?pageToken=p2",
                  "GET /managedZones", "GET /managedZones?pageToken=p2"));
  clock_.Advance(std::chrono::minutes(59));  // within a minute of expiry
  provider_.FindZone("example.org.");
  EXPECT_EQ(api_.grants, 2);
}

TEST_F(GoogleProviderTest, ReplacesTheWholeRrsetAndWaitsForDone) {
  const std::string zone = provider_.FindZone("_acme-challenge.example.com.");
  api_.records["zone-com"]["_acme-challenge.example.com."] = {
      {"name", "_acme-challenge.example.com."},
      {"type", "TXT"},
      {"ttl", 300},
      {"rrdatas", {"\"someone-elses\""}}};
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "tok-a", 60);
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "tok-b", 60);
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "tok-b", 60);
  EXPECT_EQ(api_.changes, 2);
  // Each change was pending when made, and asked after until done.
  EXPECT_EQ(std::count(api_.log.begin(), api_.log.end(),
                       "GET /managedZones/zone-com/changes/2"),
            1);
  EXPECT_EQ(api_.records["zone-com"]["_acme-challenge.example.com."]["rrdatas"],
            json({"\"someone-elses\"", "\"tok-a\"", "\"tok-b\""}));
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "tok-a");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "tok-b");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "tok-b");
  EXPECT_EQ(api_.records["zone-com"]["_acme-challenge.example.com."]["rrdatas"],
            json({"\"someone-elses\""}));
  provider_.AddTxt(zone, "_acme-challenge.www.example.com.", "tok-c", 60);
  provider_.DeleteTxt(zone, "_acme-challenge.www.example.com.", "tok-c");
  EXPECT_EQ(api_.records["zone-com"].count("_acme-challenge.www.example.com."),
            0u);
}

TEST_F(GoogleProviderTest, AnotherKeyIsRefusedByTheTokenEndpoint) {
  GoogleCloudDnsProvider other(
      ParseGoogleServiceAccount(
          KeyFile(crypto::test_util::CachedKey("rsa-3072")), "k.json"),
      api_, clock_);
  try {
    other.FindZone("example.com.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_THAT(e.what(), HasSubstr("token endpoint"));
    EXPECT_THAT(e.what(), HasSubstr("invalid_grant: Invalid JWT Signature."));
  }
  for (int status : {403, 429, 503}) {
    api_.next_status = status;
    try {
      provider_.FindZone("example.com.");
      ADD_FAILURE() << status;
    } catch (const solvers::DnsProviderError& e) {
      EXPECT_EQ(e.status(), status);
      EXPECT_THAT(e.what(), HasSubstr("Rate Limit Exceeded"));
      EXPECT_THAT(e.what(), Not(HasSubstr(kToken)));
    }
  }
}

TEST(GoogleServiceAccountTest, ParsesTheKeyFileAndNamesWhatIsWrong) {
  GoogleServiceAccount a = ParseGoogleServiceAccount(KeyFile(), "k.json");
  EXPECT_EQ(a.project_id, "my-project");
  EXPECT_EQ(a.api_url, "https://dns.test/dns/v1");
  json j = json::parse(KeyFile());
  j.erase("dns_google_api_url");
  EXPECT_EQ(ParseGoogleServiceAccount(j.dump(), "k.json").api_url,
            "https://dns.googleapis.com/dns/v1");
  j.erase("client_email");
  try {
    ParseGoogleServiceAccount(j.dump(), "k.json");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("k.json: no \"client_email\""));
  }
  j = json::parse(KeyFile());
  j["private_key"] = "-----BEGIN PRIVATE KEY-----\nnope\n";
  try {
    ParseGoogleServiceAccount(j.dump(), "k.json");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"private_key\" is not a PEM"));
    EXPECT_THAT(e.what(), Not(HasSubstr("nope")));
  }
  j = json::parse(KeyFile(crypto::test_util::CachedKey("ecdsa-p256")));
  EXPECT_THROW(ParseGoogleServiceAccount(j.dump(), "k.json"), UsageError);
  EXPECT_THROW(ParseGoogleServiceAccount("not json", "k.json"), UsageError);

  testing::TempDir dir;
  sys::PosixFilesystem fs;
  EXPECT_THROW(
      LoadGoogleServiceAccount(fs, dir.Write("k.json", KeyFile(), 0644)),
      UsageError);
  EXPECT_EQ(LoadGoogleServiceAccount(fs, dir.Write("k2.json", KeyFile(), 0600))
                .client_email,
            kEmail);
}

// Over real TLS through the production libcurl client, against the contract
// fake (tests/support/google_dns_fake.h) whose token endpoint verifies the
// assertion with the account's public key: changes answered "pending" are
// asked after until "done".
TEST(GoogleCloudDnsOverTlsTest, WaitsForPendingChangesAndCleansUp) {
  testing::GoogleDnsFakeOptions options;
  options.zones = {"example.com", "sub.example.com"};
  options.pending_changes = true;
  testing::GoogleDnsFake fake(options);
  http::CurlOptions curl;
  curl.ca_bundle = fake.ca_bundle();
  http::CurlHttpClient http(curl);
  SystemClock clock;
  GoogleOptions fast;
  fast.poll_interval = std::chrono::milliseconds(10);
  GoogleCloudDnsProvider p(
      ParseGoogleServiceAccount(fake.CredentialsIni(), "k.json"), http, clock,
      fast);
  const std::string zone = p.FindZone("_acme-challenge.www.sub.example.com.");
  EXPECT_EQ(zone, "sub.example.com.");
  p.AddTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-a", 60);
  p.AddTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b", 60);
  EXPECT_THAT(fake.zones().Txt("_acme-challenge.www.sub.example.com"),
              ElementsAre("tok-a", "tok-b"));
  int asked = 0;
  for (const testing::HttpsRequest& r : fake.server().requests())
    if (r.method == "GET" && r.Path().find("/changes/") != std::string::npos)
      ++asked;
  EXPECT_EQ(asked, 2);
  p.DeleteTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-a");
  p.DeleteTxt(zone, "_acme-challenge.www.sub.example.com.", "tok-b");
  EXPECT_TRUE(fake.zones().Records().empty());
  EXPECT_EQ(fake.grants(), 1);
  EXPECT_THAT(fake.zones().violations(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace certpilot::dns_providers
