#include "fleet/challenge_record.h"

#include <gtest/gtest.h>

#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

class FleetChallengeRecord : public ::testing::Test {
 protected:
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
};

TEST_F(FleetChallengeRecord, PublishLookupWithdraw) {
  const etcd::Lease lease = client_.LeaseGrant(60);
  EXPECT_FALSE(LookupChallenge(client_, "/p", "tok-1"));
  PublishChallenge(client_, "/p", "tok-1", "tok-1.thumb", lease.id);
  PublishChallenge(client_, "/p", "tok_2", "tok_2.thumb", lease.id);
  EXPECT_EQ(LookupChallenge(client_, "/p", "tok-1"), "tok-1.thumb");
  EXPECT_EQ(fake_.Get("/p/challenges/tok-1")->lease, lease.id);
  const std::map<std::string, std::string> all = {{"tok-1", "tok-1.thumb"},
                                                  {"tok_2", "tok_2.thumb"}};
  EXPECT_EQ(ListChallenges(client_, "/p"), all);

  WithdrawChallenge(client_, "/p", "tok-1");
  EXPECT_FALSE(LookupChallenge(client_, "/p", "tok-1"));
  WithdrawChallenge(client_, "/p", "tok-1");  // already gone: fine
  EXPECT_EQ(ListChallenges(client_, "/p").size(), 1u);
}

TEST_F(FleetChallengeRecord, AKeyAuthorizationGoesWithItsRenewersLease) {
  const etcd::Lease lease = client_.LeaseGrant(60);
  PublishChallenge(client_, "/p", "tok", "tok.thumb", lease.id);
  fake_.ExpireLease(lease.id);
  EXPECT_FALSE(LookupChallenge(client_, "/p", "tok"));
  EXPECT_THROW(PublishChallenge(client_, "/p", "tok", "tok.thumb", 0),
               FleetError);
}

TEST_F(FleetChallengeRecord, TokensMustBeBase64UrlAndStrayKeysAreIgnored) {
  const etcd::Lease lease = client_.LeaseGrant(60);
  for (const char* bad : {"", "a/b", "..", "a b", "a=", "\x01"})
    EXPECT_THROW(PublishChallenge(client_, "/p", bad, "x", lease.id),
                 FleetError)
        << bad;
  EXPECT_THROW(LookupChallenge(client_, "/p", "../locks/x"), FleetError);
  fake_.Set("/p/challenges/not a token", "x");
  fake_.Set("/p/challenges/a/b", "x");
  fake_.Set("/p/challengesX", "x");
  EXPECT_TRUE(ListChallenges(client_, "/p").empty());
}

}  // namespace
}  // namespace certpilot::fleet
