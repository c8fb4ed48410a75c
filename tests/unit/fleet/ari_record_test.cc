#include "fleet/ari_record.h"

#include <gtest/gtest.h>

#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

class FleetAriRecord : public ::testing::Test {
 protected:
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
};

TEST_F(FleetAriRecord, StatesGoInAndComeBackByLineage) {
  PutAriRecords(client_, "/p", {{"a.example", "A"}, {"b.example", "B"}});
  EXPECT_EQ(fake_.Get("/p/ari/a.example")->value, "A");
  EXPECT_EQ(fake_.Get("/p/ari/a.example")->lease, 0);
  // Keys below a lineage's (none are written) are not lineages.
  fake_.Set("/p/ari/c.example/extra", "X");
  const std::map<std::string, std::string> want = {{"a.example", "A"},
                                                   {"b.example", "B"}};
  EXPECT_EQ(LoadAriRecords(client_, "/p"), want);
  // The newest answer wins.
  PutAriRecords(client_, "/p", {{"a.example", "A2"}});
  EXPECT_EQ(LoadAriRecords(client_, "/p")["a.example"], "A2");
}

TEST_F(FleetAriRecord, ManyStatesAreSplitIntoTransactionsEtcdAccepts) {
  std::map<std::string, std::string> states;
  for (size_t i = 0; i < etcd::kMaxTxnOps + 2; ++i)
    states["l" + std::to_string(i) + ".example"] = std::to_string(i);
  fake_.clear_requests();
  PutAriRecords(client_, "/p", states);
  int txns = 0;
  for (const FakeEtcd::Logged& r : fake_.requests())
    txns += r.path == "/v3/kv/txn" ? 1 : 0;
  EXPECT_EQ(txns, 2);
  EXPECT_EQ(LoadAriRecords(client_, "/p"), states);
  fake_.clear_requests();
  PutAriRecords(client_, "/p", {});
  EXPECT_TRUE(fake_.requests().empty());
}

// A renew pass's batch of sorted lineages: the states from its first name
// to its last, both included, and none beyond.
TEST_F(FleetAriRecord, ARangeOfNamesReadsThoseStatesOnly) {
  PutAriRecords(client_, "/p",
                {{"a.example", "A"},
                 {"b.example", "B"},
                 {"b.example2", "B2"},
                 {"c.example", "C"}});
  const std::map<std::string, std::string> want = {{"b.example", "B"},
                                                   {"b.example2", "B2"}};
  EXPECT_EQ(LoadAriRecords(client_, "/p", "b.example", "b.example2"), want);
  EXPECT_EQ(LoadAriRecords(client_, "/p", "b.example", "b.example"),
            (std::map<std::string, std::string>{{"b.example", "B"}}));
  EXPECT_EQ(LoadAriRecords(client_, "/p", "a.example", "c.example").size(), 4u);
}

TEST_F(FleetAriRecord, ABadNameIsRefused) {
  EXPECT_THROW(PutAriRecords(client_, "/p", {{"a/b", "A"}}), FleetError);
  EXPECT_THROW(AriKey("/p", ".."), FleetError);
}

}  // namespace
}  // namespace certpilot::fleet
