#include "app/wiring/fleet_accounts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fleet/account_record.h"
#include "support/fake_clock.h"
#include "support/fake_etcd.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"

namespace certpilot::app {
namespace {

using testing::FakeClock;
using testing::FakeEtcd;
using testing::TempDir;

constexpr char kServer[] = "https://127.0.0.1:14000/dir";

storage::StoredAccount NewAccount(const std::string& url) {
  crypto::PrivateKey key =
      crypto::PrivateKey::Generate({crypto::KeyType::kEcdsa, 0, "secp256r1"});
  return {storage::AccountStore::AccountId(key), url, key,
          R"({"status":"valid"})"};
}

// Two nodes (two config dirs) sharing one fake etcd.
class FleetAccountsTest : public ::testing::Test {
 protected:
  storage::AccountStore Store(const std::string& name) {
    return storage::AccountStore(
        fs_,
        {tmp_ / (name + "/etc"), tmp_ / (name + "/var"),
         tmp_ / (name + "/log")},
        clock_, name);
  }
  FleetAccountPlace Place() { return {client_, "/p", keys_}; }

  TempDir tmp_;
  sys::PosixFilesystem fs_;
  FakeClock clock_{std::chrono::system_clock::from_time_t(1767225600)};
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
  crypto::SealKeys keys_{std::string(32, '\x11')};
};

TEST_F(FleetAccountsTest, ANodeWithoutAnAccountTakesTheFleets) {
  storage::AccountStore one = Store("one");
  storage::AccountStore two = Store("two");
  const storage::StoredAccount mine = NewAccount(kServer + std::string("/1"));
  one.Save(kServer, mine);
  EXPECT_FALSE(AdoptFleetAccount(Place(), two, kServer));  // none shared yet

  const ShareOutcome shared =
      ShareAccount(Place(), one, kServer, mine.id, nullptr);
  EXPECT_EQ(shared.kind, ShareOutcome::Kind::kPublished);
  EXPECT_EQ(shared.id, mine.id);

  ASSERT_TRUE(AdoptFleetAccount(Place(), two, kServer));
  const auto taken = two.List(kServer);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, mine.id);
  EXPECT_EQ(taken[0].url, mine.url);
  EXPECT_EQ(taken[0].key.ToPem(), mine.key.ToPem());
  // A node with an account of its own keeps it.
  EXPECT_FALSE(AdoptFleetAccount(Place(), one, kServer));
  // Offering the same account again changes nothing.
  EXPECT_EQ(ShareAccount(Place(), two, kServer, mine.id, nullptr).kind,
            ShareOutcome::Kind::kSame);
}

// Both nodes registered; node one published first. Node two, which has
// just registered (it has a client), switches to node one's account and
// drops its own; without a client (fleet push) it keeps its own.
TEST_F(FleetAccountsTest, TheLoserOfARaceUsesTheWinnersAccount) {
  storage::AccountStore one = Store("one");
  storage::AccountStore two = Store("two");
  const storage::StoredAccount winner = NewAccount(kServer + std::string("/w"));
  const storage::StoredAccount loser = NewAccount(kServer + std::string("/l"));
  one.Save(kServer, winner);
  two.Save(kServer, loser);
  ASSERT_EQ(ShareAccount(Place(), one, kServer, winner.id, nullptr).kind,
            ShareOutcome::Kind::kPublished);

  const ShareOutcome kept =
      ShareAccount(Place(), two, kServer, loser.id, nullptr);
  EXPECT_EQ(kept.kind, ShareOutcome::Kind::kAnother);
  EXPECT_EQ(kept.id, loser.id);
  EXPECT_EQ(kept.fleet_url, winner.url);

  testing::FakeEtcd no_ca;  // never asked: SetAccountKey does no I/O
  acme::Client client(no_ca, clock_, kServer);
  client.SetAccountKey(loser.key, loser.url);
  const ShareOutcome switched =
      ShareAccount(Place(), two, kServer, loser.id, &client);
  EXPECT_EQ(switched.kind, ShareOutcome::Kind::kAnother);
  EXPECT_EQ(switched.id, winner.id);
  EXPECT_EQ(client.kid(), winner.url);
  const auto left = two.List(kServer);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].url, winner.url);
  // The fleet's record is the winner's still.
  EXPECT_EQ(fleet::LoadAccount(client_, "/p", kServer, keys_)->url, winner.url);
}

}  // namespace
}  // namespace certpilot::app
