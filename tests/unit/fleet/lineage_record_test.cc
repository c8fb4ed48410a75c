#include "fleet/lineage_record.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/random.h"
#include "crypto/sealed_box.h"
#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

const std::string kKey(32, '\x11');
const std::string kOtherKey(32, '\x22');

LineageFiles Files(const std::string& tag) {
  return {"CERT " + tag, "CHAIN " + tag, "FULLCHAIN " + tag,
          "-----BEGIN PRIVATE KEY----- " + tag,
          "renew_before_expiry = 30 " + tag};
}

class FleetLineageRecord : public ::testing::Test {
 protected:
  FleetLineageRecord() { EXPECT_TRUE(lock_.TryAcquire(30)); }
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
  LineageLock lock_{client_, "/p", "example.com", "node-1"};
};

TEST_F(FleetLineageRecord, PublishesVersionsAndLoadsTheCurrentOne) {
  EXPECT_FALSE(LoadLineage(client_, "/p", "example.com", kKey));
  auto v1 = PublishLineage(client_, lock_.fence(), "/p", "example.com",
                           Files("one"), kKey);
  ASSERT_EQ(v1, 1);
  auto v2 = PublishLineage(client_, lock_.fence(), "/p", "example.com",
                           Files("two"), kKey);
  ASSERT_EQ(v2, 2);
  EXPECT_EQ(fake_.Get("/p/lineages/example.com/current")->value, "2");
  EXPECT_EQ(fake_.Get("/p/lineages/example.com/v1/cert")->value, "CERT one");
  EXPECT_EQ(fake_.Get("/p/lineages/example.com/v2/renewal")->value,
            "renew_before_expiry = 30 two");

  auto loaded = LoadLineage(client_, "/p", "example.com", kKey);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 2);
  EXPECT_EQ(loaded->files, Files("two"));
}

TEST_F(FleetLineageRecord, ThePrivateKeyIsSealedUnderItsOwnKeyName) {
  ASSERT_TRUE(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                             Files("one"), kKey));
  const std::string name = "/p/lineages/example.com/v1/privkey";
  const std::string stored = fake_.Get(name)->value;
  for (const auto& kv : fake_.All())
    EXPECT_EQ(kv.value.find("PRIVATE KEY"), std::string::npos) << kv.key;
  EXPECT_EQ(crypto::Open(kKey, stored, name), Files("one").privkey);
  EXPECT_EQ(crypto::SealedKeyId(stored), crypto::SealKeyId(kKey));
}

TEST_F(FleetLineageRecord, AForeignKeyATamperedOrMovedValueIsAClearError) {
  ASSERT_TRUE(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                             Files("one"), kKey));
  const std::string name = "/p/lineages/example.com/v1/privkey";
  try {
    LoadLineage(client_, "/p", "example.com", kOtherKey);
    FAIL() << "opened with another fleet key";
  } catch (const FleetError& e) {
    EXPECT_NE(std::string(e.what()).find("sealed under fleet key"),
              std::string::npos)
        << e.what();
  }

  std::string tampered = fake_.Get(name)->value;
  tampered.back() ^= 1;
  fake_.Set(name, tampered);
  try {
    LoadLineage(client_, "/p", "example.com", kKey);
    FAIL() << "a tampered key opened";
  } catch (const FleetError& e) {
    EXPECT_NE(std::string(e.what()).find("altered"), std::string::npos)
        << e.what();
  }

  // Another lineage's sealed key copied over this one's.
  LineageLock other(client_, "/p", "other.org", "node-1");
  ASSERT_TRUE(other.TryAcquire(30));
  ASSERT_TRUE(PublishLineage(client_, other.fence(), "/p", "other.org",
                             Files("other"), kKey));
  fake_.Set(name, fake_.Get("/p/lineages/other.org/v1/privkey")->value);
  EXPECT_THROW(LoadLineage(client_, "/p", "example.com", kKey), FleetError);

  fake_.Set(name, "plain text");
  EXPECT_THROW(LoadLineage(client_, "/p", "example.com", kKey), FleetError);
}

TEST_F(FleetLineageRecord, AnIncompleteVersionOrABadCurrentIsAnError) {
  fake_.Set("/p/lineages/example.com/current", "x1");
  EXPECT_THROW(LoadLineage(client_, "/p", "example.com", kKey), FleetError);
  EXPECT_THROW(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                              Files("one"), kKey),
               FleetError);
  fake_.Set("/p/lineages/example.com/current", "1");
  fake_.Set("/p/lineages/example.com/v1/cert", "CERT");
  try {
    LoadLineage(client_, "/p", "example.com", kKey);
    FAIL() << "loaded a version without its chain";
  } catch (const FleetError& e) {
    EXPECT_NE(std::string(e.what()).find("has no chain"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(LoadLineage(client_, "/p", "a/b", kKey), FleetError);
}

TEST_F(FleetLineageRecord, AStaleRenewerOrARacingPublishWritesNothing) {
  ASSERT_EQ(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                           Files("one"), kKey),
            1);
  // Another version lands between this publisher's read and its commit.
  fake_.before_next_txn = [&] {
    fake_.Set("/p/lineages/example.com/current", "2");
  };
  EXPECT_FALSE(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                              Files("two"), kKey));
  EXPECT_FALSE(fake_.Get("/p/lineages/example.com/v2/cert"));

  // The lock's lease ran out and another node took it.
  const Fence stale = lock_.fence();
  fake_.ExpireLease(lock_.lease());
  LineageLock next(client_, "/p", "example.com", "node-2");
  ASSERT_TRUE(next.TryAcquire(30));
  EXPECT_FALSE(PublishLineage(client_, stale, "/p", "example.com",
                              Files("three"), kKey));
  EXPECT_FALSE(fake_.Get("/p/lineages/example.com/v3/cert"));
  EXPECT_EQ(PublishLineage(client_, next.fence(), "/p", "example.com",
                           Files("three"), kKey),
            3);
}

TEST_F(FleetLineageRecord, LoadReadsOneRevisionEvenIfAWriteLands) {
  ASSERT_EQ(PublishLineage(client_, lock_.fence(), "/p", "example.com",
                           Files("one"), kKey),
            1);
  // A write lands between Load's read of `current` and of the version's
  // keys: Load reads those as of `current`'s revision, not a mix.
  int ranges = 0;
  fake_.on_request = [&](const std::string& path) {
    if (path == "/v3/kv/range" && ++ranges == 2)
      fake_.Set("/p/lineages/example.com/v1/cert", "REWRITTEN");
  };
  const int64_t before = fake_.revision();
  auto loaded = LoadLineage(client_, "/p", "example.com", kKey);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(ranges, 2);
  EXPECT_EQ(loaded->revision, before);
  EXPECT_EQ(loaded->files, Files("one"));
  EXPECT_EQ(fake_.Get("/p/lineages/example.com/v1/cert")->value, "REWRITTEN");
}

}  // namespace
}  // namespace certpilot::fleet
