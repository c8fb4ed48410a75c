#include "fleet/reseal.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto_error.h"
#include "crypto/sealed_box.h"
#include "fleet/account_record.h"
#include "fleet/fleet_error.h"
#include "fleet/lineage_lock.h"
#include "fleet/lineage_record.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

const std::string kOld(32, '\x11');
const std::string kNew(32, '\x22');

LineageFiles Files(const std::string& tag) {
  return {"CERT " + tag, "CHAIN " + tag, "FULLCHAIN " + tag,
          "-----BEGIN PRIVATE KEY----- " + tag, "renewal " + tag};
}

class FleetReseal : public ::testing::Test {
 protected:
  FleetReseal() {
    EXPECT_TRUE(lock_.TryAcquire(30));
    // Two versions of a lineage and an account, all under the old key.
    const crypto::SealKeys old_keys(kOld);
    EXPECT_TRUE(PublishLineage(client_, lock_.fence(), "/p", "a.example",
                               Files("1"), old_keys));
    EXPECT_TRUE(PublishLineage(client_, lock_.fence(), "/p", "a.example",
                               Files("2"), old_keys));
    EXPECT_FALSE(PublishAccount(
        client_, "/p", {"https://ca/dir", "https://ca/acct/1", "{}", "KEY"},
        old_keys));
  }
  // Every sealed value in the store, by key.
  std::vector<etcd::KeyValue> Sealed() const {
    std::vector<etcd::KeyValue> out;
    for (const etcd::KeyValue& kv : fake_.All())
      if (kv.key.ends_with("/privkey") || kv.key.ends_with("/key"))
        out.push_back(kv);
    return out;
  }
  FakeEtcd fake_;
  etcd::Client client_{fake_, FakeEtcd::Options()};
  LineageLock lock_{client_, "/p", "a.example", "node-1"};
};

TEST_F(FleetReseal, ResealsEveryVersionAndAccountThenIsIdempotent) {
  const crypto::SealKeys both(kNew, {kOld});
  ResealReport first = ResealAll(client_, "/p", both);
  EXPECT_EQ(first.resealed, 3);
  EXPECT_EQ(first.current, 0);
  EXPECT_TRUE(first.failed.empty());
  // Nothing opens with the old key alone; everything with the new one.
  const crypto::SealKeys old_only(kOld), new_only(kNew);
  ASSERT_EQ(Sealed().size(), 3u);
  for (const etcd::KeyValue& kv : Sealed()) {
    EXPECT_THROW(old_only.Open(kv.value, kv.key), crypto::CryptoError)
        << kv.key;
    EXPECT_NO_THROW(new_only.Open(kv.value, kv.key)) << kv.key;
  }
  EXPECT_EQ(LoadLineage(client_, "/p", "a.example", new_only)->files,
            Files("2"));
  EXPECT_EQ(LoadAccount(client_, "/p", "https://ca/dir", new_only)->key_pem,
            "KEY");
  EXPECT_THROW(LoadLineage(client_, "/p", "a.example", old_only), FleetError);

  const int64_t revision = fake_.revision();
  ResealReport again = ResealAll(client_, "/p", both);
  EXPECT_EQ(again.resealed, 0);
  EXPECT_EQ(again.current, 3);
  EXPECT_EQ(fake_.revision(), revision);  // nothing written
}

// Another rekey lands between the read and the transaction: the compare
// fails, the value is read again and found current.
TEST_F(FleetReseal, AValueChangedMeanwhileIsReadAgain) {
  const crypto::SealKeys both(kNew, {kOld});
  const std::string key = LineagePrefix("/p", "a.example") + "v1/privkey";
  bool raced = false;
  fake_.before_next_txn = [&] {
    raced = true;
    fake_.Set(key, both.Seal(Files("1").privkey, key));
  };
  ResealReport report = ResealAll(client_, "/p", both);
  EXPECT_TRUE(raced);
  EXPECT_EQ(report.resealed + report.current, 3);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(both.Open(fake_.Get(key)->value, key), Files("1").privkey);
}

// A value sealed under a key the runner lacks is reported by name, and the
// others are re-sealed all the same.
TEST_F(FleetReseal, AValueItCannotOpenIsReportedByName) {
  const crypto::SealKeys new_only(kNew);
  ResealReport report = ResealAll(client_, "/p", new_only);
  EXPECT_EQ(report.resealed, 0);
  ASSERT_EQ(report.failed.size(), 3u);
  EXPECT_NE(report.failed[0].find("a.example"), std::string::npos)
      << report.failed[0];
}

}  // namespace
}  // namespace certpilot::fleet
