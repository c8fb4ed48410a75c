#include "issuance/obtain.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/certificate.h"
#include "crypto/jwk.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"

namespace certpilot::issuance {
namespace {

using testing::FakeAcmeServer;
using testing::FakeClock;

// Records what the flow asked of it.
class RecordingSolver : public ChallengeSolver {
 public:
  explicit RecordingSolver(std::string type) : type_(std::move(type)) {}
  std::string Type() const override { return type_; }
  void Present(const ChallengeTask& t) override {
    if (fail_present) throw Error("present failed");
    presented.push_back(t);
  }
  void Wait() override { ++waits; }
  void CleanUp(const ChallengeTask& t) noexcept override {
    cleaned.push_back(t);
  }

  std::string type_;
  bool fail_present = false;
  int waits = 0;
  std::vector<ChallengeTask> presented, cleaned;
};

class ObtainTest : public ::testing::Test {
 protected:
  ObtainTest() : client_(ca_, clock_, ca_.directory_url()) {
    client_.SetAccountKey(crypto::PrivateKey::Generate({}));
    acme::NewAccountOptions o;
    o.terms_of_service_agreed = true;
    client_.NewAccount(o);
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty())
        << ::testing::PrintToString(ca_.violations());
  }
  ObtainRequest Request(std::vector<acme::Identifier> ids) {
    ObtainRequest r{std::move(ids),
                    crypto::PrivateKey::Generate({}),
                    {&http_},
                    "",
                    "",
                    "",
                    false,
                    std::nullopt};
    return r;
  }

  FakeAcmeServer ca_;
  FakeClock clock_;
  acme::Client client_;
  RecordingSolver http_{"http-01"};
  RecordingSolver dns_{"dns-01"};
};

TEST_F(ObtainTest, IssuesForSeveralNamesAndCleansUp) {
  ObtainRequest req = Request(
      {{"dns", "a.example"}, {"dns", "www.a.example"}, {"ip", "127.0.0.1"}});
  ObtainResult res = Obtain(client_, clock_, req);
  EXPECT_EQ(http_.presented.size(), 3u);
  EXPECT_EQ(http_.cleaned.size(), 3u);
  EXPECT_EQ(http_.waits, 1);
  for (const ChallengeTask& t : http_.presented)
    EXPECT_EQ(t.key_authorization,
              t.challenge.token + "." +
                  crypto::JwkThumbprint(*client_.account_key()));
  crypto::Certificate cert = crypto::Certificate::FromPem(res.cert_pem);
  EXPECT_TRUE(cert.MatchesKey(*req.certificate_key));
  EXPECT_EQ(cert.IpAddresses(), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(res.fullchain_pem, res.cert_pem + res.chain_pem);
  EXPECT_EQ(res.chain_pem, ca_.CaCertificatePem());
  EXPECT_EQ(res.order.status, acme::Status::kValid);
}

// Authorizations are fetched, challenges answered and validations polled
// in batches (one round trip each, however many names), and the nonces the
// batch of authorizations needs come with the new order: five names cost
// exactly the round trips of one.
TEST_F(ObtainTest, RoundTripsDoNotGrowWithTheNumberOfNames) {
  const int before_one = ca_.RoundTrips();
  Obtain(client_, clock_, Request({{"dns", "one.example"}}));
  const int one = ca_.RoundTrips() - before_one;

  const int before_five = ca_.RoundTrips();
  Obtain(client_, clock_,
         Request({{"dns", "a.example"},
                  {"dns", "b.example"},
                  {"dns", "c.example"},
                  {"dns", "d.example"},
                  {"dns", "e.example"}}));
  const int five = ca_.RoundTrips() - before_five;
  EXPECT_EQ(five, one);
  EXPECT_EQ(http_.presented.size(), 6u);
  // newOrder, authorizations, challenges, two polls (the fake answers
  // "pending" once), finalize, download: nothing else, not even a
  // HEAD newNonce.
  EXPECT_EQ(one, 7);
  EXPECT_EQ(ca_.CountRequests("/new-nonce"), 5);  // 1 at first, 4 stocked
}

TEST_F(ObtainTest, PollsWithGrowingBackoffAndHonoursRetryAfter) {
  ca_.pending_polls = 3;
  Obtain(client_, clock_, Request({{"dns", "a.example"}}));
  auto sleeps = clock_.sleeps();
  ASSERT_GE(sleeps.size(), 3u);
  EXPECT_EQ(sleeps[0], acme::RetryPolicy{}.poll_initial);
  EXPECT_GT(sleeps[1], sleeps[0]);

  FakeClock clock2;
  ca_.retry_after = "2";
  ca_.pending_polls = 1;
  Obtain(client_, clock2, Request({{"dns", "b.example"}}));
  auto s2 = clock2.sleeps();
  EXPECT_NE(std::find(s2.begin(), s2.end(), std::chrono::milliseconds(2000)),
            s2.end());
}

// After finalize, a "processing" order is asked about again at once (the
// round trip is the pause), then with the backoff.
TEST_F(ObtainTest, PollsAProcessingOrderAtOnceThenWithBackoff) {
  ca_.pending_polls = 0;
  ca_.processing_polls = 2;
  Obtain(client_, clock_, Request({{"dns", "a.example"}}));
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);  // between the 1st, 2nd and 3rd order poll
  EXPECT_EQ(sleeps[0], acme::RetryPolicy{}.poll_initial);
  EXPECT_GT(sleeps[1], sleeps[0]);
  EXPECT_EQ(ca_.CountRequests("/order/"), 3);
}

// RFC 8555 §7.4: a Retry-After on the "processing" answer is the first pause.
TEST_F(ObtainTest, WaitsTheRetryAfterOfAProcessingFinalize) {
  ca_.pending_polls = 0;
  ca_.processing_polls = 1;
  ca_.retry_after = "2";
  Obtain(client_, clock_, Request({{"dns", "a.example"}}));
  const auto sleeps = clock_.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);  // before the 1st and the 2nd order poll
  EXPECT_EQ(sleeps[0], std::chrono::milliseconds(2000));
  EXPECT_EQ(ca_.CountRequests("/order/"), 2);
}

TEST_F(ObtainTest, GivesUpAtTheDeadline) {
  ca_.pending_polls = 1'000'000;
  acme::RetryPolicy p;
  p.poll_deadline = std::chrono::seconds(30);
  try {
    Obtain(client_, clock_, Request({{"dns", "slow.example"}}), p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(http_.cleaned.size(), 1u);
}

// --issuance-timeout: a CA that never finishes issuing a finalized order is
// given up on after RetryPolicy::issuance_deadline, not poll_deadline.
TEST_F(ObtainTest, GivesUpOnIssuingAtTheIssuanceDeadline) {
  bool finalized = false;
  ca_.tamper = [&](const http::Request& r, http::Response& resp) {
    if (r.url.find("/finalize/") != std::string::npos) finalized = true;
    if (!finalized || (r.url.find("/order/") == std::string::npos &&
                       r.url.find("/finalize/") == std::string::npos))
      return;
    nlohmann::json order = nlohmann::json::parse(resp.body);
    order["status"] = "processing";
    order.erase("certificate");
    resp.body = order.dump();
  };
  acme::RetryPolicy p;
  p.poll_deadline = std::chrono::seconds(300);
  p.issuance_deadline = std::chrono::seconds(7);
  const TimePoint start = clock_.Now();
  try {
    Obtain(client_, clock_, Request({{"dns", "a.example"}}), p);
    FAIL() << "an order that never became valid was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "timed out waiting for the CA: order to become valid"),
              std::string::npos)
        << e.what();
  }
  EXPECT_LE(clock_.Now() - start, std::chrono::seconds(7));
  EXPECT_GE(clock_.Now() - start, std::chrono::seconds(4));
}

TEST_F(ObtainTest, ValidationFailureNamesTheNameAndCleansUp) {
  ca_.failing_names = {"bad.example"};
  try {
    Obtain(client_, clock_,
           Request({{"dns", "good.example"}, {"dns", "bad.example"}}));
    FAIL();
  } catch (const ValidationError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("validation of bad.example failed"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("urn:ietf:params:acme:error:connection"),
              std::string::npos)
        << msg;
  }
  EXPECT_EQ(http_.cleaned.size(), 2u);
}

TEST_F(ObtainTest, CleansUpWhenPresentFails) {
  http_.fail_present = true;
  EXPECT_THROW(Obtain(client_, clock_, Request({{"dns", "a.example"}})), Error);
  EXPECT_EQ(http_.cleaned.size(), 1u);         // the attempted one
  EXPECT_EQ(ca_.CountRequests("/chall/"), 0);  // never told the CA to look
}

TEST_F(ObtainTest, SkipsAlreadyValidAuthorizations) {
  ca_.authz_already_valid = true;
  Obtain(client_, clock_, Request({{"dns", "a.example"}}));
  EXPECT_TRUE(http_.presented.empty());
}

TEST_F(ObtainTest, WildcardUsesDnsSolver) {
  ObtainRequest req = Request({{"dns", "*.a.example"}, {"dns", "a.example"}});
  req.solvers = {&http_, &dns_};
  Obtain(client_, clock_, req);
  ASSERT_EQ(dns_.presented.size(), 1u);
  EXPECT_TRUE(dns_.presented[0].wildcard);
  EXPECT_EQ(dns_.presented[0].identifier.value, "a.example");
  EXPECT_EQ(http_.presented.size(), 1u);
}

TEST_F(ObtainTest, NoUsableChallengeIsExplained) {
  ObtainRequest req = Request({{"dns", "*.a.example"}});
  try {
    Obtain(client_, clock_, req);
    FAIL();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("offered: dns-01"), std::string::npos) << msg;
    EXPECT_NE(msg.find("configured: http-01"), std::string::npos) << msg;
  }
}

TEST_F(ObtainTest, RefusesAuthorizationForANameNotOrdered) {
  ca_.intercept = [](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/authz/") == std::string::npos) return std::nullopt;
    http::Response resp;
    resp.status = 200;
    resp.body =
        R"({"identifier":{"type":"dns","value":"evil.example"},"status":"pending",
      "challenges":[{"type":"http-01","url":"https://ca.test/chall/1/http-01","status":"pending",
      "token":"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]})";
    return resp;
  };
  EXPECT_THROW(Obtain(client_, clock_, Request({{"dns", "a.example"}})),
               acme::ProtocolError);
  EXPECT_TRUE(http_.presented.empty());
}

TEST_F(ObtainTest, RefusesChainWithNonCertificateBlocks) {
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/cert/") == std::string::npos) return std::nullopt;
    http::Response resp;
    resp.status = 200;
    resp.body =
        ca_.CaCertificatePem() +
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    return resp;
  };
  EXPECT_THROW(Obtain(client_, clock_, Request({{"dns", "a.example"}})), Error);
}

TEST_F(ObtainTest, RefusesChainThatDoesNotLink) {
  // Another fake CA's intermediate has the same name ("Fake Intermediate")
  // but another key: only the signature check can tell.
  const std::string stranger = FakeAcmeServer().CaCertificatePem();
  ca_.tamper = [&](const http::Request& r, http::Response& resp) {
    if (r.url.find("/cert/") == std::string::npos) return;
    resp.body =
        resp.body.substr(0, resp.body.find("-----END CERTIFICATE-----") + 26) +
        stranger;
  };
  try {
    Obtain(client_, clock_, Request({{"dns", "a.example"}}));
    FAIL() << "a chain that does not link was accepted";
  } catch (const acme::ProtocolError& e) {
    EXPECT_EQ(e.field(), "certificate");
    EXPECT_NE(
        std::string(e.what()).find("the chain does not link: certificate 1"),
        std::string::npos)
        << e.what();
  }
}

// RFC 8555 §7.1.6: with every authorization valid the order is ready, so it
// is finalized without being fetched first; a CA that answers orderNotReady
// (§7.4) is waited for, and the order finalized again.
TEST_F(ObtainTest, FinalizesAtOnceAndWaitsWhenTheCaSaysNotReady) {
  Obtain(client_, clock_, Request({{"dns", "a.example"}}));
  bool finalized = false;
  for (const auto& r : ca_.requests()) {
    if (r.url.find("/finalize/") != std::string::npos) finalized = true;
    if (!finalized) {
      EXPECT_EQ(r.url.find("/order/"), std::string::npos)
          << "fetched the order before finalizing it";
    }
  }
  EXPECT_TRUE(finalized);

  bool refused = false;
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/finalize/") == std::string::npos || refused)
      return std::nullopt;
    refused = true;
    return testing::ProblemResponse(403, "orderNotReady", "order is pending");
  };
  const int finalizes = ca_.CountRequests("/finalize/");
  const int orders = ca_.CountRequests("/order/");
  ObtainResult res = Obtain(client_, clock_, Request({{"dns", "b.example"}}));
  EXPECT_TRUE(refused);
  EXPECT_EQ(res.order.status, acme::Status::kValid);
  EXPECT_EQ(ca_.CountRequests("/finalize/"), finalizes + 2);
  EXPECT_GE(ca_.CountRequests("/order/"), orders + 1);
}

TEST_F(ObtainTest, RefusesCertificateForOtherNames) {
  // The CA's certificate is for the CSR; swap in a chain whose leaf is the CA
  // itself, which neither matches the key nor the names.
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/cert/") == std::string::npos) return std::nullopt;
    http::Response resp;
    resp.status = 200;
    resp.body = ca_.CaCertificatePem() + ca_.CaCertificatePem();
    return resp;
  };
  EXPECT_THROW(Obtain(client_, clock_, Request({{"dns", "a.example"}})),
               acme::ProtocolError);
}

}  // namespace
}  // namespace certpilot::issuance
