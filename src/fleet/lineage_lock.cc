#include "fleet/lineage_lock.h"

#include <utility>

#include "etcd/etcd_error.h"
#include "fleet/fleet_error.h"
#include "fleet/key_names.h"

namespace certpilot::fleet {

std::string LockKey(std::string_view prefix, std::string_view lineage) {
  return FleetKey(prefix, "locks") + "/" + std::string(CheckedName(lineage));
}

bool CommitFenced(etcd::Client& client, const Fence& fence,
                  const std::vector<etcd::PutRequest>& puts,
                  const std::vector<etcd::Compare>& also) {
  return CommitFencedOps(
      client, fence, std::vector<etcd::TxnOp>(puts.begin(), puts.end()), also);
}

bool CommitFencedOps(etcd::Client& client, const Fence& fence,
                     const std::vector<etcd::TxnOp>& ops,
                     const std::vector<etcd::Compare>& also) {
  if (fence.token == 0) return false;
  etcd::TxnRequest txn;
  // create_revision == token already implies the key exists (a missing key
  // compares as 0 and tokens are never 0); the version guard says so
  // explicitly, so the guard stays right if the first one is ever changed.
  txn.compare = {
      etcd::Compare::CreateRevision(fence.lock_key,
                                    etcd::Compare::Result::kEqual, fence.token),
      etcd::Compare{fence.lock_key, etcd::Compare::Target::kVersion,
                    etcd::Compare::Result::kGreater, 0, ""},
  };
  txn.compare.insert(txn.compare.end(), also.begin(), also.end());
  txn.success = ops;
  return client.Txn(txn).succeeded;
}

LineageLock::LineageLock(etcd::Client& client, std::string_view prefix,
                         std::string_view lineage, std::string node)
    : client_(client), node_(std::move(node)) {
  fence_.lock_key = LockKey(prefix, lineage);
}

bool LineageLock::TryAcquire(int64_t ttl_seconds) {
  if (held()) return true;
  holder_.clear();
  etcd::Lease lease = client_.LeaseGrant(ttl_seconds);
  etcd::TxnRequest txn;
  txn.compare = {etcd::Compare::CreateRevision(
      fence_.lock_key, etcd::Compare::Result::kEqual, 0)};
  txn.success = {etcd::PutRequest{fence_.lock_key, node_, lease.id}};
  txn.failure = {etcd::KeyRange(fence_.lock_key)};
  etcd::TxnResult result;
  try {
    result = client_.Txn(txn);
  } catch (const etcd::EtcdError&) {
    // The put may have been applied with its answer lost: revoking the
    // lease deletes the key if so.
    try {
      client_.LeaseRevoke(lease.id);
    } catch (const etcd::EtcdError&) {
      // It expires by itself within its TTL.
    }
    throw;
  }
  if (!result.succeeded) {
    const auto& range = std::get<etcd::RangeResult>(result.responses.at(0));
    if (!range.kvs.empty()) holder_ = range.kvs[0].value;
    try {
      client_.LeaseRevoke(lease.id);
    } catch (const etcd::EtcdError&) {
      // An unused lease with no key: it expires by itself.
    }
    return false;
  }
  // One put in the transaction: its revision is the key's create revision.
  lease_ = lease.id;
  fence_.token = result.revision;
  return true;
}

bool LineageLock::KeepAlive() {
  if (!held()) return false;
  if (client_.LeaseKeepAlive(lease_) > 0) return true;
  Forget();
  return false;
}

void LineageLock::Release() {
  if (!held()) return;
  const int64_t lease = lease_;
  Forget();
  try {
    client_.LeaseRevoke(lease);
  } catch (const etcd::EtcdError& e) {
    if (e.code() != etcd::GrpcCode::kNotFound) throw;
  }
}

void LineageLock::Forget() {
  fence_.token = 0;
  lease_ = 0;
}

}  // namespace certpilot::fleet
