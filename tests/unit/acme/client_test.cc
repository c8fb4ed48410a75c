#include "acme/client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "acme/json.h"
#include "crypto/jwk.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "util/base64url.h"

namespace certpilot::acme {
namespace {

using testing::FakeAcmeServer;
using testing::FakeClock;

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : client_(ca_, clock_, ca_.directory_url()) {
    client_.SetAccountKey(crypto::PrivateKey::Generate({}));
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty())
        << ::testing::PrintToString(ca_.violations());
  }
  Account Register() {
    NewAccountOptions o;
    o.contact = {"mailto:admin@example.com"};
    o.terms_of_service_agreed = true;
    return client_.NewAccount(o);
  }
  http::Response JsonResponse(int status, const std::string& body,
                              http::Headers headers = {}) {
    http::Response r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    return r;
  }

  FakeAcmeServer ca_;
  FakeClock clock_;
  Client client_;
};

TEST_F(ClientTest, RegistersWithJwkThenUsesKid) {
  Account a = Register();
  EXPECT_EQ(a.status, Status::kValid);
  EXPECT_EQ(client_.kid(), a.url);
  client_.NewOrder({{"dns", "a.example"}});
  auto reqs = ca_.requests();
  ASSERT_GE(reqs.size(), 4u);
  auto header = [](const testing::RecordedRequest& r) {
    return nlohmann::json::parse(r.protected_header);
  };
  EXPECT_TRUE(header(reqs[2]).contains("jwk"));  // newAccount
  EXPECT_FALSE(header(reqs[2]).contains("kid"));
  EXPECT_EQ(header(reqs[3])["kid"], a.url);  // newOrder
  EXPECT_FALSE(header(reqs[3]).contains("jwk"));
}

TEST_F(ClientTest, FetchesOneNonceThenLivesOnReplayNonce) {
  Register();
  for (int i = 0; i < 5; ++i) client_.NewOrder({{"dns", "a.example"}});
  EXPECT_EQ(ca_.CountRequests("/new-nonce"), 1);
  EXPECT_EQ(ca_.CountRequests("/directory"), 1);
}

TEST_F(ClientTest, FindsExistingAccountOrNone) {
  EXPECT_FALSE(client_.FindAccount());
  Account a = Register();
  Client other(ca_, clock_, ca_.directory_url());
  other.SetAccountKey(*client_.account_key());
  auto found = other.FindAccount();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->url, a.url);
  EXPECT_EQ(ca_.accounts(), 1u);
}

TEST_F(ClientTest, RetriesBadNonceUpToTenTimes) {
  Register();
  ca_.bad_nonce_next = 10;
  EXPECT_NO_THROW(client_.NewOrder({{"dns", "a.example"}}));
  ca_.bad_nonce_next = 11;
  try {
    client_.NewOrder({{"dns", "a.example"}});
    FAIL() << "expected badNonce";
  } catch (const ProblemError& e) {
    EXPECT_EQ(e.problem().type, ProblemType::kBadNonce);
    EXPECT_EQ(e.method(), "POST");
  }
}

// A batch sends each request with a nonce of its own (those the pool lacks
// fetched first, all at once), in one round trip; a request answered
// badNonce is sent again on its own, the others are not.
TEST_F(ClientTest, BatchesTakeOneRoundTripAndRetryOnlyWhatFailed) {
  Register();
  Order order = client_.NewOrder(
      {{"dns", "a.example"}, {"dns", "b.example"}, {"dns", "c.example"}});
  ASSERT_EQ(order.authorizations.size(), 3u);
  // NewOrder stocked the two nonces the batch needs beyond its own.
  const int nonces = ca_.CountRequests("/new-nonce");
  const int before = ca_.RoundTrips();
  std::vector<Authorization> authzs =
      client_.GetAuthorizations(order.authorizations);
  EXPECT_EQ(ca_.RoundTrips() - before, 1);
  EXPECT_EQ(ca_.CountRequests("/new-nonce"), nonces);
  ASSERT_EQ(authzs.size(), 3u);
  for (size_t i = 0; i < authzs.size(); ++i)
    EXPECT_EQ(authzs[i].url, order.authorizations[i]);

  ca_.bad_nonce_next = 1;  // the first request of the batch
  const int polls = ca_.CountRequests("/authz");
  const int before_retry = ca_.RoundTrips();
  authzs = client_.GetAuthorizations(order.authorizations);
  EXPECT_EQ(ca_.CountRequests("/authz"), polls + 4);
  EXPECT_EQ(ca_.RoundTrips() - before_retry, 2);
  EXPECT_EQ(authzs[0].identifier.value, "a.example");
}

TEST_F(ClientTest, RefusesPlainHttpDirectoryUrl) {
  EXPECT_THROW(Client(ca_, clock_, "http://ca.test/directory"), ProtocolError);
}

TEST_F(ClientTest, RefusesHttpEntriesInDirectoryBeforeSendingAnything) {
  ca_.directory_extra["newAccount"] = "http://ca.test/new-account";
  EXPECT_THROW(Register(), ProtocolError);
  EXPECT_EQ(ca_.CountRequests("/new-account"), 0);
}

TEST_F(ClientTest, RefusesHttpLocation) {
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/new-account") == std::string::npos) return std::nullopt;
    return JsonResponse(
        201, R"({"status":"valid"})",
        {{"Location", "http://ca.test/acct/1"}, {"Replay-Nonce", "abc"}});
  };
  EXPECT_THROW(Register(), ProtocolError);
}

TEST_F(ClientTest, RedirectsAreRefusedWithWhatTheCaSaid) {
  Register();
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/new-order") == std::string::npos) return std::nullopt;
    return JsonResponse(307, "", {{"Location", "https://ca.test/elsewhere"}});
  };
  try {
    client_.NewOrder({{"dns", "a.example"}});
    FAIL() << "a 307 was accepted";
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.field(), "status");
    EXPECT_NE(std::string(e.what()).find(
                  "answered 307 redirecting to https://ca.test/elsewhere"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ca_.CountRequests("/elsewhere"), 0);
}

TEST_F(ClientTest, MalformedResponsesAreProtocolErrors) {
  Register();
  for (const char* body :
       {"not json", R"({"status":"pending"})", R"({"status":1})", "[]"}) {
    ca_.intercept =
        [&](const http::Request& r) -> std::optional<http::Response> {
      if (r.url.find("/new-order") == std::string::npos) return std::nullopt;
      return JsonResponse(201, body,
                          {{"Location", "https://ca.test/order/99"}});
    };
    EXPECT_THROW(client_.NewOrder({{"dns", "a.example"}}), ProtocolError)
        << body;
  }
}

TEST_F(ClientTest, RateLimitCarriesRetryAfter) {
  Register();
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/new-order") == std::string::npos) return std::nullopt;
    return JsonResponse(
        429,
        R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many"})",
        {{"Retry-After", "3600"}});
  };
  try {
    client_.NewOrder({{"dns", "a.example"}});
    FAIL();
  } catch (const ProblemError& e) {
    EXPECT_EQ(e.problem().type, ProblemType::kRateLimited);
    EXPECT_EQ(e.retry_after(), std::chrono::seconds(3600));
    EXPECT_NE(std::string(e.what()).find("too many"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(
                  "(the CA asks to wait 1 h before trying again)"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ClientTest, TransientServerErrorsOnFetchesAreRetried) {
  Register();
  Order o = client_.NewOrder({{"dns", "a.example"}});
  int failures = 2;
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url != o.url || failures == 0) return std::nullopt;
    --failures;
    return JsonResponse(
        503, R"({"type":"urn:ietf:params:acme:error:serverInternal"})");
  };
  EXPECT_EQ(client_.GetOrder(o.url).status, Status::kPending);
  EXPECT_EQ(failures, 0);
}

TEST_F(ClientTest, ParsesAlternateLinks) {
  Register();
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url != "https://ca.test/cert/1") return std::nullopt;
    return JsonResponse(
        200, "PEM",
        {{"Link",
          "<https://ca.test/cert/1/1>;rel=\"alternate\", "
          "<https://ca.test/dir>;rel=\"index\""},
         {"link", "<https://ca.test/cert/1/2>; rel=alternate"}});
  };
  CertificateChain c = client_.DownloadCertificate("https://ca.test/cert/1");
  EXPECT_EQ(c.alternates,
            (std::vector<std::string>{"https://ca.test/cert/1/1",
                                      "https://ca.test/cert/1/2"}));
}

// Hostile CA: an alternate chain at a plain-http or file URL is
// refused (a later POST-as-GET would carry a JWS over plain http); nothing
// is ever requested from such a URL.
TEST_F(ClientTest, RefusesNonHttpsAlternateLinks) {
  Register();
  for (const char* link : {"<http://ca.test/cert/1/1>;rel=\"alternate\"",
                           "<file:///etc/passwd>;rel=\"alternate\""}) {
    ca_.intercept =
        [&](const http::Request& r) -> std::optional<http::Response> {
      if (r.url != "https://ca.test/cert/1") return std::nullopt;
      return JsonResponse(200, "PEM", {{"Link", link}});
    };
    EXPECT_THROW(client_.DownloadCertificate("https://ca.test/cert/1"),
                 ProtocolError)
        << link;
  }
  for (const auto& r : ca_.requests())
    EXPECT_EQ(r.url.rfind("https://", 0), 0u) << r.url;
}

TEST_F(ClientTest, KeyAuthorizationIsTokenDotThumbprint) {
  EXPECT_EQ(client_.KeyAuthorization("tok"),
            "tok." + crypto::JwkThumbprint(*client_.account_key()));
}

}  // namespace
}  // namespace certpilot::acme

namespace certpilot::acme {
namespace {

TEST(RenewalInfo, FetchedWithPlainGetAndRetryAfter) {
  testing::FakeAcmeServer ca;
  testing::FakeClock clock;
  auto start = clock.Now() + std::chrono::hours(24);
  ca.renewal_window = {start, start + std::chrono::hours(48)};
  ca.renewal_retry_after = "21600";
  Client client(ca, clock, ca.directory_url());
  ASSERT_FALSE(client.GetDirectory().renewal_info.empty());
  std::optional<std::chrono::seconds> retry;
  RenewalInfo info =
      client.GetRenewalInfo("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", &retry);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(info.window_start),
            std::chrono::system_clock::to_time_t(start));
  EXPECT_GT(info.window_end, info.window_start);
  EXPECT_EQ(retry, std::chrono::seconds(21600));
  EXPECT_EQ(ca.requests().back().url,
            "https://ca.test/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST(RenewalInfo, BadWindowsAreProtocolErrors) {
  EXPECT_THROW(
      json::ParseRenewalInfo(
          R"({"suggestedWindow":{"start":"2026-01-02T00:00:00Z","end":"2026-01-01T00:00:00Z"}})"),
      ProtocolError);
  EXPECT_THROW(json::ParseRenewalInfo(
                   R"({"suggestedWindow":{"start":"2026-01-02T00:00:00Z"}})"),
               ProtocolError);
  EXPECT_THROW(json::ParseRenewalInfo(R"({})"), ProtocolError);
}

}  // namespace
}  // namespace certpilot::acme

namespace certpilot::acme {
namespace {

class AccountLifecycle : public ::testing::Test {
 protected:
  AccountLifecycle() : client_(ca_, clock_, ca_.directory_url()) {
    client_.SetAccountKey(crypto::PrivateKey::Generate({}));
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty())
        << ::testing::PrintToString(ca_.violations());
  }
  Account Register(NewAccountOptions o = {}) {
    o.terms_of_service_agreed = true;
    return client_.NewAccount(o);
  }
  testing::FakeAcmeServer ca_;
  testing::FakeClock clock_;
  Client client_;
};

TEST_F(AccountLifecycle, UpdatesContactsAndDeactivates) {
  Account a = Register();
  Account updated = client_.UpdateAccount({"mailto:new@example.com"});
  EXPECT_EQ(updated.contact,
            std::vector<std::string>{"mailto:new@example.com"});
  EXPECT_EQ(client_.DeactivateAccount().status, Status::kDeactivated);
  EXPECT_EQ(ca_.AccountStatus(a.url), "deactivated");
  EXPECT_THROW(client_.NewOrder({{"dns", "a.example"}}), ProblemError);
}

TEST_F(AccountLifecycle, KeyRolloverIsAcceptedAndTheNewKeySigns) {
  Account a = Register();
  crypto::PrivateKey new_key =
      crypto::PrivateKey::Generate({crypto::KeyType::kEcdsa, 0, "secp384r1"});
  client_.ChangeKey(new_key);
  EXPECT_EQ(crypto::JwkThumbprint(*client_.account_key()),
            crypto::JwkThumbprint(new_key));
  EXPECT_EQ(client_.kid(), a.url);
  // The CA now knows the account by the new key only.
  EXPECT_NO_THROW(client_.NewOrder({{"dns", "a.example"}}));
  Client by_new(ca_, clock_, ca_.directory_url());
  by_new.SetAccountKey(new_key);
  ASSERT_TRUE(by_new.FindAccount());
  EXPECT_EQ(by_new.kid(), a.url);
}

TEST_F(AccountLifecycle, KeyChangeJwsHasTheShapeOfRfc8555Section735) {
  Account a = Register();
  crypto::PrivateKey old_key = *client_.account_key();
  crypto::PrivateKey new_key = crypto::PrivateKey::Generate({});
  client_.ChangeKey(new_key);
  auto reqs = ca_.requests();
  const auto& r = reqs.back();
  nlohmann::json outer = nlohmann::json::parse(r.protected_header);
  EXPECT_EQ(outer["kid"], a.url);
  EXPECT_EQ(outer["url"], "https://ca.test/key-change");
  nlohmann::json inner = nlohmann::json::parse(r.payload);
  nlohmann::json ih = nlohmann::json::parse(
      *Base64UrlDecode(inner["protected"].get<std::string>()));
  EXPECT_FALSE(ih.contains("nonce"));
  EXPECT_EQ(ih["url"], outer["url"]);
  EXPECT_EQ(ih["jwk"], nlohmann::json::parse(crypto::PublicJwk(new_key)));
  nlohmann::json ip = nlohmann::json::parse(
      *Base64UrlDecode(inner["payload"].get<std::string>()));
  EXPECT_EQ(ip["account"], a.url);
  EXPECT_EQ(ip["oldKey"], nlohmann::json::parse(crypto::PublicJwk(old_key)));
}

TEST_F(AccountLifecycle, ExternalAccountBindingIsRequiredAndVerified) {
  ca_.eab_required = true;
  ca_.eab_keys["kid-1"] = "secret-hmac-key-bytes";
  EXPECT_TRUE(client_.GetDirectory().meta.external_account_required);
  try {
    Register();
    FAIL();
  } catch (const ProblemError& e) {
    EXPECT_EQ(e.problem().type, ProblemType::kExternalAccountRequired);
  }
  NewAccountOptions wrong;
  wrong.eab_kid = "kid-1";
  wrong.eab_hmac_key = "not-the-key";
  EXPECT_THROW(Register(wrong), ProblemError);
  NewAccountOptions right;
  right.eab_kid = "kid-1";
  right.eab_hmac_key = "secret-hmac-key-bytes";
  EXPECT_NO_THROW(Register(right));
  EXPECT_EQ(ca_.accounts(), 1u);
}

}  // namespace
}  // namespace certpilot::acme
