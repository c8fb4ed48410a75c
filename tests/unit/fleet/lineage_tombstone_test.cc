#include "fleet/lineage_tombstone.h"

#include <gtest/gtest.h>

#include <string>

#include "fleet/ari_record.h"
#include "fleet/fleet_error.h"
#include "fleet/lineage_index.h"
#include "fleet/lineage_record.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

const std::string kKey(32, '\x11');
const std::string kCurrent = "/p/lineages/example.com/current";

LineageFiles Files(const std::string& tag) {
  return {"CERT " + tag, "CHAIN " + tag, "FULLCHAIN " + tag,
          "-----BEGIN PRIVATE KEY----- " + tag,
          "renew_before_expiry = 30 " + tag};
}

// Every key of the fleet's store whose name starts with `prefix`.
int KeysUnder(const FakeEtcd& fake, const std::string& prefix) {
  int n = 0;
  for (const auto& kv : fake.All())
    if (kv.key.rfind(prefix, 0) == 0) ++n;
  return n;
}

class FleetLineageTombstone : public ::testing::Test {
 protected:
  FleetLineageTombstone() {
    EXPECT_TRUE(lock_.TryAcquire(30));
    for (const char* tag : {"one", "two"})
      EXPECT_TRUE(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                                 Files(tag), kKey));
  }
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
  LineageLock lock_{client_, "/p", "example.com", "node-1"};
};

TEST_F(FleetLineageTombstone, TheJsonRoundTripsAndVersionsAreNotTombstones) {
  const Tombstone t{7, 1700000000, "node-1"};
  EXPECT_EQ(TombstoneJson(t),
            R"({"deleted":7,"node":"node-1","time":1700000000})");
  EXPECT_EQ(ParseTombstone(TombstoneJson(t)), t);
  EXPECT_FALSE(ParseTombstone("7"));
  EXPECT_FALSE(ParseTombstone("{}"));
  EXPECT_FALSE(ParseTombstone(R"({"deleted":"7"})"));
  EXPECT_FALSE(ParseTombstone(R"({"deleted":-1})"));
  EXPECT_FALSE(ParseTombstone("not json"));
}

TEST_F(FleetLineageTombstone, RemovesEveryVersionInOneFencedTransaction) {
  // A neighbour's keys share the name's first letters: they stay.
  LineageLock other{client_, "/p", "example.com2", "node-1"};
  ASSERT_TRUE(other.TryAcquire(30));
  ASSERT_TRUE(PublishLineage(client_, other.fence(), "/p", "example.com2",
                             Files("x"), kKey));
  PutAriRecords(client_, "/p", {{"example.com", "A"}, {"example.com2", "B"}});
  const int txns = fake_.txn_count();
  const TombstoneResult r = WriteTombstone(client_, lock_.fence(), "/p",
                                           "example.com", 1700000000, "node-1");
  ASSERT_EQ(r.outcome, TombstoneOutcome::kWritten);
  EXPECT_EQ(r.tombstone, (Tombstone{2, 1700000000, "node-1"}));
  EXPECT_EQ(fake_.txn_count(), txns + 1);
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/v"), 0);
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/"), 1);  // current
  EXPECT_EQ(ParseTombstone(fake_.Get(kCurrent)->value), r.tombstone);
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com2/v1/"), 5);
  // Its ARI state goes with it; the neighbour's stays.
  EXPECT_FALSE(fake_.Get("/p/ari/example.com"));
  EXPECT_TRUE(fake_.Get("/p/ari/example.com2"));

  const LineageCurrent current =
      ReadLineageCurrent(client_, "/p", "example.com");
  EXPECT_EQ(current.version, 0);
  EXPECT_EQ(current.tombstone, r.tombstone);
  EXPECT_EQ(ReadLineageCurrent(client_, "/p", "example.com2").version, 1);
  // Deleting it again, or a name never published: nothing to do.
  EXPECT_EQ(
      WriteTombstone(client_, lock_.fence(), "/p", "example.com", 1, "node-1")
          .outcome,
      TombstoneOutcome::kAbsent);
  EXPECT_EQ(WriteTombstone(client_, lock_.fence(), "/p", "never", 1, "node-1")
                .outcome,
            TombstoneOutcome::kAbsent);
  EXPECT_FALSE(ReadLineageCurrent(client_, "/p", "never").tombstone);
}

TEST_F(FleetLineageTombstone, ALostLockOrARacingPublishWritesNothing) {
  // A version lands between the read of `current` and the commit.
  fake_.before_next_txn = [&] { fake_.Set(kCurrent, "3"); };
  EXPECT_EQ(
      WriteTombstone(client_, lock_.fence(), "/p", "example.com", 1, "node-1")
          .outcome,
      TombstoneOutcome::kRefused);
  EXPECT_EQ(fake_.Get(kCurrent)->value, "3");
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/v2/"), 5);

  // The lock's lease ran out and another node took it.
  fake_.Set(kCurrent, "2");
  const Fence stale = lock_.fence();
  fake_.ExpireLease(lock_.lease());
  LineageLock next(client_, "/p", "example.com", "node-2");
  ASSERT_TRUE(next.TryAcquire(30));
  EXPECT_EQ(
      WriteTombstone(client_, stale, "/p", "example.com", 1, "node-1").outcome,
      TombstoneOutcome::kRefused);
  EXPECT_EQ(fake_.Get(kCurrent)->value, "2");
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/v1/"), 5);
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/v2/"), 5);
}

TEST_F(FleetLineageTombstone, ADeletedLineageIsNoLineageUntilPublishedAgain) {
  ASSERT_EQ(
      WriteTombstone(client_, lock_.fence(), "/p", "example.com", 1, "node-1")
          .outcome,
      TombstoneOutcome::kWritten);
  EXPECT_FALSE(LoadLineage(client_, "/p", "example.com", kKey));
  EXPECT_TRUE(CurrentVersions(client_, "/p").empty());
  // Agents still see the rewritten `current` as a change.
  EXPECT_EQ(ChangedLineages(client_, "/p", fake_.revision())
                .changed.count("example.com"),
            1U);

  // Published again: the number after the last deleted one, never reused.
  EXPECT_EQ(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                           Files("three"), kKey),
            3);
  auto loaded = LoadLineage(client_, "/p", "example.com", kKey);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 3);
  EXPECT_EQ(loaded->files, Files("three"));
  EXPECT_EQ(CurrentVersions(client_, "/p").at("example.com"), 3);
  EXPECT_FALSE(ReadLineageCurrent(client_, "/p", "example.com").tombstone);
}

TEST_F(FleetLineageTombstone, ACurrentThatIsNeitherIsAnError) {
  fake_.Set(kCurrent, "x1");
  EXPECT_THROW(ReadLineageCurrent(client_, "/p", "example.com"), FleetError);
  EXPECT_THROW(
      WriteTombstone(client_, lock_.fence(), "/p", "example.com", 1, "n"),
      FleetError);
  EXPECT_EQ(KeysUnder(fake_, "/p/lineages/example.com/v2/"), 5);
}

}  // namespace
}  // namespace certpilot::fleet
