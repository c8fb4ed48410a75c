// Account and revocation use cases against the fake CA.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "app/usecases/accounts.h"
#include "app/usecases/certonly.h"
#include "app/usecases/revoke.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "support/use_case_fixture.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

class LifecycleUseCase : public testing::UseCaseTest<> {
 protected:
  void Issue(const std::string& name) {
    ASSERT_EQ(Certonly(StandaloneCertonly({name}), services_), 0);
  }
  AccountOptions Account() {
    AccountOptions o;
    o.common = common_;
    return o;
  }
  std::string Cert(const std::string& name) {
    return fs_.ReadFile(dir_ / ("config/live/" + name + "/cert.pem"));
  }
};

TEST_F(LifecycleUseCase, RevocationReasonsAreCertbots) {
  EXPECT_EQ(RevocationReasonCode("unspecified"), 0);
  EXPECT_EQ(RevocationReasonCode("keyCompromise"), 1);
  EXPECT_EQ(RevocationReasonCode("affiliationchanged"), 3);
  EXPECT_EQ(RevocationReasonCode("superseded"), 4);
  EXPECT_EQ(RevocationReasonCode("cessationofoperation"), 5);
  EXPECT_THROW(RevocationReasonCode("cacompromise"), UsageError);
}

TEST_F(LifecycleUseCase, RevokeWithReasonDeletesByDefaultWithoutATerminal) {
  Issue("a.example");
  std::string cert = Cert("a.example");
  RevokeOptions o;
  o.common = common_;
  o.cert_name = "a.example";
  o.reason = "superseded";
  ASSERT_EQ(Revoke(o, services_), 0);
  EXPECT_EQ(ca_.RevocationReason(cert), 4);
  EXPECT_FALSE(fs_.Exists(dir_ / "config/live/a.example"));
}

TEST_F(LifecycleUseCase, RevokeAsksOnATerminal) {
  Issue("a.example");
  prompter_.interactive_ = true;
  prompter_.answers = {"n"};
  RevokeOptions o;
  o.common = common_;
  o.cert_name = "a.example";
  ASSERT_EQ(Revoke(o, services_), 0);
  EXPECT_TRUE(fs_.Exists(dir_ / "config/live/a.example"));
}

TEST_F(LifecycleUseCase, RevokeWithTheCertificateKeySignsWithJwk) {
  Issue("a.example");
  std::string cert = Cert("a.example");
  RevokeOptions o;
  o.common = common_;
  o.cert_path = dir_ / "config/live/a.example/cert.pem";
  o.key_path = dir_ / "config/live/a.example/privkey.pem";
  o.delete_after = false;
  ASSERT_EQ(Revoke(o, services_), 0);
  EXPECT_EQ(ca_.RevocationReason(cert), 0);
  auto reqs = ca_.requests();
  EXPECT_NE(reqs.back().protected_header.find("\"jwk\""), std::string::npos);
  EXPECT_TRUE(fs_.Exists(dir_ / "config/live/a.example/cert.pem"));
}

TEST_F(LifecycleUseCase, RevokeNeedsExactlyOneCertificate) {
  RevokeOptions o;
  o.common = common_;
  EXPECT_THROW(Revoke(o, services_), UsageError);
  o.cert_name = "x";
  o.cert_path = "/tmp/x";
  EXPECT_THROW(Revoke(o, services_), UsageError);
}

TEST_F(LifecycleUseCase, DestructiveCommandsNeedConfirmationOrN) {
  Issue("a.example");
  common_.non_interactive = false;
  DeleteOptions d;
  d.common = common_;
  d.cert_name = "a.example";
  d.nginx_server_root = dir_ / "no-nginx";
  EXPECT_THROW(Delete(d, services_), UsageError);  // no terminal, no -n
  prompter_.interactive_ = true;
  prompter_.answers = {"no"};
  EXPECT_THROW(Delete(d, services_), UsageError);
  EXPECT_TRUE(fs_.Exists(dir_ / "config/live/a.example"));
  prompter_.answers = {"y"};
  EXPECT_EQ(Delete(d, services_), 0);
  EXPECT_FALSE(fs_.Exists(dir_ / "config/renewal/a.example.conf"));

  prompter_.interactive_ = false;
  AccountOptions u = Account();
  u.common.non_interactive = false;
  EXPECT_THROW(Unregister(u, services_), UsageError);
  EXPECT_EQ(ca_.AccountStatus("https://ca.test/acct/1"), "valid");
}

TEST_F(LifecycleUseCase, RolloverFailureKeepsTheOldKey) {
  ASSERT_EQ(Register(Account(), services_), 0);
  out_.str("");
  AccountOptions show = Account();
  show.json = true;
  ASSERT_EQ(ShowAccount(show, services_), 0);
  std::string before = nlohmann::json::parse(out_.str())["thumbprint"];
  ca_.intercept = [](const http::Request& r) -> std::optional<http::Response> {
    if (r.url.find("/key-change") == std::string::npos) return std::nullopt;
    http::Response resp;
    resp.status = 500;
    resp.body =
        R"({"type":"urn:ietf:params:acme:error:serverInternal","detail":"down"})";
    return resp;
  };
  AccountOptions roll = Account();
  roll.new_key = true;
  EXPECT_THROW(UpdateAccount(roll, services_), Error);
  ca_.intercept = nullptr;
  out_.str("");
  ASSERT_EQ(ShowAccount(show, services_), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["thumbprint"], before);
}

TEST_F(LifecycleUseCase, ShowAccountListsTheProfilesTheCaOffers) {
  ca_.profiles = {{"classic", "90 days"}, {"shortlived", "6 days"}};
  ASSERT_EQ(Register(Account(), services_), 0);
  AccountOptions show = Account();
  out_.str("");
  ASSERT_EQ(ShowAccount(show, services_), 0);
  EXPECT_NE(out_.str().find("    shortlived: 6 days\n"), std::string::npos)
      << out_.str();
  show.json = true;
  out_.str("");
  ASSERT_EQ(ShowAccount(show, services_), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["profiles"]["classic"],
            "90 days");
}

TEST_F(LifecycleUseCase, EabKeyMustBeBase64UrlAndPaired) {
  AccountOptions o = Account();
  o.common.eab_kid = "kid-1";
  EXPECT_THROW(Register(o, services_), UsageError);  // no key
  o.common.eab_hmac_key = "not base64!";
  EXPECT_THROW(Register(o, services_), UsageError);
  o.common.eab_kid.clear();
  o.common.eab_hmac_key = "c2VjcmV0";
  EXPECT_THROW(Register(o, services_), UsageError);  // no kid
  EXPECT_EQ(ca_.accounts(), 0u);
}

}  // namespace
}  // namespace certpilot::app
