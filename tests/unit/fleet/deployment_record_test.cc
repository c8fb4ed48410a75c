#include "fleet/deployment_record.h"

#include <gtest/gtest.h>

#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

class FleetDeploymentRecord : public ::testing::Test {
 protected:
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
};

TEST_F(FleetDeploymentRecord, EachNodeRecordsWhatItDeployed) {
  const Deployment web1{"web1", 3, "0a1b", 1767225600};
  const Deployment web2{"web2", 2, "09ff", 1767225000};
  RecordDeployment(client_, "/p", "example.com", web2);
  RecordDeployment(client_, "/p", "example.com", web1);
  RecordDeployment(client_, "/p", "other.org", web1);
  EXPECT_EQ(fake_.Get("/p/deployed/example.com/web1")->value,
            R"({"serial":"0a1b","time":1767225600,"version":3})");
  EXPECT_EQ(fake_.Get("/p/deployed/example.com/web1")->lease, 0);

  const std::vector<Deployment> both = {web1, web2};
  EXPECT_EQ(LoadDeployments(client_, "/p", "example.com"), both);
  auto all = LoadAllDeployments(client_, "/p");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all["example.com"], both);
  EXPECT_EQ(all["other.org"], std::vector<Deployment>{web1});

  // A newer deployment replaces the node's record.
  RecordDeployment(client_, "/p", "example.com", {"web2", 3, "0a1b", 1});
  EXPECT_EQ(LoadDeployments(client_, "/p", "example.com")[1].version, 3);
}

TEST_F(FleetDeploymentRecord, ANodeRemovesOnlyItsOwnRecord) {
  const Deployment web1{"web1", 3, "0a1b", 1767225600};
  const Deployment web2{"web2", 3, "0a1b", 1767225000};
  RecordDeployment(client_, "/p", "example.com", web1);
  RecordDeployment(client_, "/p", "example.com", web2);
  RecordDeployment(client_, "/p", "other.org", web1);
  RemoveDeployment(client_, "/p", "example.com", "web1");
  EXPECT_EQ(LoadDeployments(client_, "/p", "example.com"),
            std::vector<Deployment>{web2});
  EXPECT_EQ(LoadDeployments(client_, "/p", "other.org"),
            std::vector<Deployment>{web1});
  // None there: no-op.
  RemoveDeployment(client_, "/p", "example.com", "web1");
  EXPECT_EQ(LoadDeployments(client_, "/p", "example.com").size(), 1u);
}

TEST_F(FleetDeploymentRecord, MalformedRecordsReadAsVersionZero) {
  fake_.Set("/p/deployed/example.com/web3", "not json");
  fake_.Set("/p/deployed/example.com/web4", R"({"version":"7"})");
  fake_.Set("/p/deployed/example.com/a/b", R"({"version":7})");
  auto got = LoadDeployments(client_, "/p", "example.com");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Deployment{"web3", 0, "", 0}));
  EXPECT_EQ(got[1], (Deployment{"web4", 0, "", 0}));
  EXPECT_EQ(LoadAllDeployments(client_, "/p")["example.com"].size(), 2u);
}

TEST_F(FleetDeploymentRecord, NamesMustBeOneKeySegment) {
  EXPECT_THROW(RecordDeployment(client_, "/p", "a/b", {"web1", 1, "", 0}),
               FleetError);
  EXPECT_THROW(RecordDeployment(client_, "/p", "a", {"..", 1, "", 0}),
               FleetError);
}

}  // namespace
}  // namespace certpilot::fleet
