#include "fleet/account_record.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/sealed_box.h"
#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

const crypto::SealKeys kKeys(std::string(32, '\x11'));
constexpr char kServer[] = "https://127.0.0.1:14000/dir";

SharedAccount Account(const std::string& tag) {
  return {kServer, "https://127.0.0.1:14000/my-account/" + tag,
          R"({"status":"valid"})", "-----BEGIN PRIVATE KEY----- " + tag};
}

class FleetAccountRecord : public ::testing::Test {
 protected:
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
};

TEST_F(FleetAccountRecord, PublishesOnceAndLoadsIt) {
  EXPECT_FALSE(LoadAccount(client_, "/p", kServer, kKeys));
  EXPECT_FALSE(PublishAccount(client_, "/p", Account("1"), kKeys));
  EXPECT_EQ(LoadAccount(client_, "/p", kServer, kKeys), Account("1"));
  // Another CA is another record.
  EXPECT_FALSE(
      LoadAccount(client_, "/p", "https://127.0.0.1:14001/dir", kKeys));
}

TEST_F(FleetAccountRecord, TheLoserOfARaceGetsTheWinnersAccount) {
  ASSERT_FALSE(PublishAccount(client_, "/p", Account("winner"), kKeys));
  const std::optional<SharedAccount> got =
      PublishAccount(client_, "/p", Account("loser"), kKeys);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, Account("winner"));
  EXPECT_EQ(LoadAccount(client_, "/p", kServer, kKeys), Account("winner"));
}

TEST_F(FleetAccountRecord, TheKeyIsSealedUnderItsOwnName) {
  ASSERT_FALSE(PublishAccount(client_, "/p", Account("1"), kKeys));
  const std::string key = AccountPrefix("/p", kServer) + "key";
  ASSERT_TRUE(fake_.Get(key));
  const std::string stored = fake_.Get(key)->value;
  EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(kKeys.Open(stored, key), Account("1").key_pem);
  // Another fleet key cannot open it; the error names the etcd key.
  try {
    LoadAccount(client_, "/p", kServer,
                crypto::SealKeys(std::string(32, '\x22')));
    ADD_FAILURE() << "opened with another key";
  } catch (const FleetError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST_F(FleetAccountRecord, AnIncompleteRecordIsAnError) {
  ASSERT_FALSE(PublishAccount(client_, "/p", Account("1"), kKeys));
  client_.Delete({AccountPrefix("/p", kServer) + "url", ""});
  EXPECT_THROW(LoadAccount(client_, "/p", kServer, kKeys), FleetError);
}

}  // namespace
}  // namespace certpilot::fleet
