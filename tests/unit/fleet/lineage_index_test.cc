#include "fleet/lineage_index.h"

#include <gtest/gtest.h>

#include "fleet/lineage_record.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

const std::string kKey(32, '\x11');

class FleetLineageIndex : public ::testing::Test {
 protected:
  int64_t Publish(const std::string& name) {
    LineageLock lock(client_, "/p", name, "node-1");
    EXPECT_TRUE(lock.TryAcquire(30));
    auto v = PublishLineage(client_, lock.fence(), "/p", name,
                            {"C", "CH", "F", "K", "R"}, kKey);
    lock.Release();
    return v.value_or(0);
  }
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
};

TEST_F(FleetLineageIndex, ReportsWhatChangedSinceARevision) {
  LineageChanges none = ChangedLineages(client_, "/p", 0);
  EXPECT_TRUE(none.changed.empty());
  Publish("a.example");
  Publish("b.example");
  LineageChanges first = ChangedLineages(client_, "/p", 0);
  ASSERT_EQ(first.changed.size(), 2u);
  EXPECT_EQ(first.changed.count("a.example"), 1u);
  EXPECT_EQ(first.revision, fake_.revision());

  LineageChanges quiet = ChangedLineages(client_, "/p", first.revision + 1);
  EXPECT_TRUE(quiet.changed.empty());
  fake_.Set("/p/nodes/web1", "{}");  // other writes are not lineage changes
  Publish("b.example");
  LineageChanges next = ChangedLineages(client_, "/p", first.revision + 1);
  ASSERT_EQ(next.changed.size(), 1u);
  EXPECT_EQ(next.changed.begin()->first, "b.example");
  EXPECT_EQ(next.changed.begin()->second,
            fake_.Get("/p/lineages/b.example/current")->mod_revision);
}

TEST_F(FleetLineageIndex, ListsEveryLineagesCurrentVersion) {
  EXPECT_TRUE(CurrentVersions(client_, "/p").empty());
  Publish("a.example");
  Publish("b.example");
  Publish("b.example");
  fake_.Set("/p/lineages/c.example/current", "garbage");
  fake_.Set("/p/lineages/d/e/current", "9");  // not a lineage's key
  const std::map<std::string, int64_t> want = {
      {"a.example", 1}, {"b.example", 2}, {"c.example", 0}};
  EXPECT_EQ(CurrentVersions(client_, "/p"), want);
}

TEST_F(FleetLineageIndex, PublicVersionsReadsTheCertAndRenewalOfEachVersion) {
  Publish("a.example");
  Publish("a.example");  // version 2
  Publish("b.example");
  fake_.clear_requests();
  const std::map<std::string, PublicVersion> got =
      PublicVersions(client_, "/p", {{"a.example", 2}, {"b.example", 1}});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at("a.example").cert, "C");
  EXPECT_EQ(got.at("a.example").renewal, "R");
  EXPECT_EQ(got.at("b.example").cert, "C");
  // One transaction of reads for both lineages; no key opened, none written.
  const std::vector<FakeEtcd::Logged> requests = fake_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v3/kv/txn");
  EXPECT_FALSE(requests[0].writes);
  EXPECT_EQ(requests[0].key, "/p/lineages/a.example/v2/cert");
}

TEST_F(FleetLineageIndex, PublicVersionsBatchesByTheTxnOpLimit) {
  std::map<std::string, int64_t> versions;
  for (int i = 0; i < 65; ++i) {  // 130 keys: more than one txn holds
    const std::string name = "n" + std::to_string(i) + ".example";
    fake_.Set("/p/lineages/" + name + "/v1/cert", "C" + std::to_string(i));
    versions[name] = 1;
  }
  versions["gone.example"] = 3;  // pruned meanwhile: left out
  fake_.clear_requests();
  const std::map<std::string, PublicVersion> got =
      PublicVersions(client_, "/p", versions);
  EXPECT_EQ(got.size(), 65u);
  EXPECT_EQ(got.at("n64.example").cert, "C64");
  EXPECT_EQ(got.at("n64.example").renewal, "");
  EXPECT_EQ(got.count("gone.example"), 0u);
  EXPECT_EQ(fake_.requests().size(), 2u);  // ceil(132 / 128)
}

}  // namespace
}  // namespace certpilot::fleet
