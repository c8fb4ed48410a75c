#include "fleet/lineage_lock.h"

#include <gtest/gtest.h>

#include "etcd/etcd_error.h"
#include "fleet/fleet_error.h"
#include "support/fake_etcd.h"

namespace certpilot::fleet {
namespace {

using testing::FakeEtcd;

TEST(FleetLockKey, NamesOneKeyPerLineageAndRejectsOthers) {
  EXPECT_EQ(LockKey("/certpilot", "example.com"),
            "/certpilot/locks/example.com");
  EXPECT_EQ(LockKey("/a/b", "x-0001"), "/a/b/locks/x-0001");
  for (const char* bad : {"", ".", "..", "a/b", "a\nb"})
    EXPECT_THROW(LockKey("/certpilot", bad), FleetError) << bad;
  EXPECT_THROW(LockKey("certpilot", "x"), FleetError);
  EXPECT_THROW(LockKey("/certpilot/", "x"), FleetError);
  EXPECT_THROW(LockKey("", "x"), FleetError);
}

TEST(FleetLineageLock, TakesAFreeLockWithItsLeaseAndTheCreateRevision) {
  FakeEtcd fake;
  etcd::Client client(fake, FakeEtcd::Options());
  LineageLock lock(client, "/p", "example.com", "node-1");
  EXPECT_FALSE(lock.held());
  ASSERT_TRUE(lock.TryAcquire(10));
  auto kv = fake.Get("/p/locks/example.com");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->value, "node-1");
  EXPECT_EQ(kv->lease, lock.lease());
  EXPECT_NE(lock.lease(), 0);
  EXPECT_EQ(lock.fence().token, kv->create_revision);
  EXPECT_EQ(lock.fence().lock_key, "/p/locks/example.com");
  // Held: no second request.
  const int txns = fake.txn_count();
  EXPECT_TRUE(lock.TryAcquire(10));
  EXPECT_EQ(fake.txn_count(), txns);
}

TEST(FleetLineageLock, ABusyLockNamesItsHolderAndLeavesNoLease) {
  FakeEtcd fake;
  etcd::Client client(fake, FakeEtcd::Options());
  LineageLock first(client, "/p", "example.com", "node-1");
  LineageLock second(client, "/p", "example.com", "node-2");
  ASSERT_TRUE(first.TryAcquire(10));
  EXPECT_FALSE(second.TryAcquire(10));
  EXPECT_FALSE(second.held());
  EXPECT_EQ(second.holder(), "node-1");
  EXPECT_EQ(second.fence().token, 0);
  // Its lease was revoked: only the holder's is left.
  EXPECT_EQ(fake.lease_count(), 1u);
  EXPECT_EQ(fake.Get("/p/locks/example.com")->value, "node-1");
}

TEST(FleetLineageLock, KeepAliveNoticesALostLeaseAndReleaseFreesTheLock) {
  FakeEtcd fake;
  etcd::Client client(fake, FakeEtcd::Options());
  LineageLock lock(client, "/p", "example.com", "node-1");
  LineageLock other(client, "/p", "example.com", "node-2");
  ASSERT_TRUE(lock.TryAcquire(10));
  EXPECT_TRUE(lock.KeepAlive());
  fake.ExpireLease(lock.lease());
  EXPECT_FALSE(fake.Get("/p/locks/example.com"));
  EXPECT_FALSE(lock.KeepAlive());
  EXPECT_FALSE(lock.held());
  lock.Release();  // not held: nothing to do

  ASSERT_TRUE(other.TryAcquire(10));
  other.Release();
  EXPECT_FALSE(other.held());
  EXPECT_FALSE(fake.Get("/p/locks/example.com"));
  // A lease etcd already forgot is not an error at release.
  ASSERT_TRUE(other.TryAcquire(10));
  fake.ExpireLease(other.lease());
  EXPECT_NO_THROW(other.Release());
}

TEST(FleetLineageLock, ALockTakenByARequestWhoseAnswerWasLostIsGivenBack) {
  FakeEtcd fake;
  etcd::Client client(fake, FakeEtcd::Options());
  LineageLock lock(client, "/p", "example.com", "node-1");
  fake.lose_next_txn_answer = true;
  EXPECT_THROW(lock.TryAcquire(10), etcd::EtcdError);
  EXPECT_FALSE(lock.held());
  // The put was applied; revoking the lease deleted it again.
  EXPECT_FALSE(fake.Get("/p/locks/example.com"));
  EXPECT_EQ(fake.lease_count(), 0u);
  EXPECT_TRUE(lock.TryAcquire(10));
}

TEST(FleetCommitFenced, WritesOnlyWhileTheTokenStillNamesTheLock) {
  FakeEtcd fake;
  etcd::Client client(fake, FakeEtcd::Options());
  LineageLock a(client, "/p", "example.com", "node-a");
  LineageLock b(client, "/p", "example.com", "node-b");
  ASSERT_TRUE(a.TryAcquire(10));
  EXPECT_TRUE(CommitFenced(client, a.fence(), {{"/p/x", "a1", 0}}));
  EXPECT_EQ(fake.Get("/p/x")->value, "a1");

  const Fence stale = a.fence();
  fake.ExpireLease(a.lease());
  ASSERT_TRUE(b.TryAcquire(10));
  EXPECT_GT(b.fence().token, stale.token);
  EXPECT_FALSE(
      CommitFenced(client, stale, {{"/p/x", "a2", 0}, {"/p/y", "a", 0}}));
  EXPECT_EQ(fake.Get("/p/x")->value, "a1");
  EXPECT_FALSE(fake.Get("/p/y"));
  EXPECT_TRUE(CommitFenced(client, b.fence(), {{"/p/x", "b1", 0}}));
  EXPECT_EQ(fake.Get("/p/x")->value, "b1");

  // A caller's own guard is part of the same transaction.
  EXPECT_FALSE(CommitFenced(
      client, b.fence(), {{"/p/x", "b2", 0}},
      {etcd::Compare::Value("/p/x", etcd::Compare::Result::kEqual, "a1")}));
  EXPECT_EQ(fake.Get("/p/x")->value, "b1");

  // Token 0 (never held) is refused without a request.
  const int txns = fake.txn_count();
  EXPECT_FALSE(CommitFenced(client, Fence{"/p/locks/example.com", 0},
                            {{"/p/x", "z", 0}}));
  EXPECT_EQ(fake.txn_count(), txns);
}

}  // namespace
}  // namespace certpilot::fleet
