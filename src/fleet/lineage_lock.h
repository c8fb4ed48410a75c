// One renewer per lineage (issue #17): a lease-based lock in etcd under
// PREFIX/locks/NAME whose value is the holder's node name, and the fencing
// token that proves a writer still holds it.
//
// Acquiring is one transaction: "if PREFIX/locks/NAME does not exist
// (create_revision == 0), put it with my lease". The lock lives as long as
// the lease: the holder renews it on its own schedule (KeepAlive, well
// within the TTL); a holder that is paused or cut off past the TTL loses it
// and etcd deletes the key, so another node can take it.
//
// Fencing token: the lock key's create revision. Every incarnation of the
// key has a new one (etcd revisions only grow), so a token names exactly
// one holding of the lock. CommitFenced writes in one transaction guarded
// by "the lock key exists and its create_revision is still my token": a
// holder whose lease ran out can never overwrite what a later holder wrote,
// whatever it believes about its lock (Kleppmann's fencing; certmagic's
// locks have none).
//
// Not thread-safe: one LineageLock per holder, used from one thread with
// its etcd::Client (etcd/client.h). Errors: etcd::EtcdError when etcd
// cannot be reached or answers an error; FleetError for a bad name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/client.h"

namespace certpilot::fleet {

// PREFIX/locks/NAME. FleetError when `lineage` is empty, ".", "..", or holds
// '/' or a control character (it would not name one key), or `prefix` does
// not start with '/' or ends with one.
std::string LockKey(std::string_view prefix, std::string_view lineage);

// What a fenced write compares: the lock key and the token it was taken
// with.
struct Fence {
  std::string lock_key;
  int64_t token = 0;  // the lock key's create revision; 0: never held
};

// Puts `puts` in one transaction if the lock in `fence` is still held with
// its token (and every compare of `also` holds: a caller's own guard);
// returns whether it did. False means nothing was written: the lock was
// lost (lease expired, released, taken by another node) or a guard failed.
// A fence with token 0 is refused without asking etcd.
bool CommitFenced(etcd::Client& client, const Fence& fence,
                  const std::vector<etcd::PutRequest>& puts,
                  const std::vector<etcd::Compare>& also = {});
// The same for any operations (puts and deletes: a fleet delete,
// lineage_tombstone.h).
bool CommitFencedOps(etcd::Client& client, const Fence& fence,
                     const std::vector<etcd::TxnOp>& ops,
                     const std::vector<etcd::Compare>& also = {});

class LineageLock {
 public:
  // `client` must outlive the lock. No I/O. FleetError for a bad
  // prefix or lineage (LockKey).
  LineageLock(etcd::Client& client, std::string_view prefix,
              std::string_view lineage, std::string node);

  // Takes the lock under a fresh lease of `ttl_seconds` when nobody holds
  // it; returns whether it did. When another node holds it, the lease is
  // revoked again and holder() names that node. Calling it while holding
  // the lock returns true without asking etcd. On an etcd error the lease
  // is revoked (best effort: it expires by itself otherwise) and the error
  // propagates, so a lock taken by a request whose answer was lost does
  // not stay held.
  bool TryAcquire(int64_t ttl_seconds);

  // Renews the lease once (call it well within the TTL); returns false,
  // and no longer holds, when the lease has expired: the lock is lost.
  bool KeepAlive();

  // Gives the lock up: revokes the lease, which deletes the lock key. A
  // lease already gone is not an error. No-op when not held.
  void Release();

  bool held() const { return fence_.token != 0; }
  // The lock key and token of the current holding; token 0 when not held.
  const Fence& fence() const { return fence_; }
  int64_t lease() const { return lease_; }
  // The node that held the lock when TryAcquire last failed (empty when it
  // vanished in between).
  const std::string& holder() const { return holder_; }
  const std::string& node() const { return node_; }

 private:
  void Forget();

  etcd::Client& client_;
  std::string node_;
  Fence fence_;
  int64_t lease_ = 0;
  std::string holder_;
};

}  // namespace certpilot::fleet
