// `fleet rekey`'s work (issue #17): every sealed value in etcd — each
// version's private key of every lineage (lineage_record.h) and each
// account's key (account_record.h) — re-sealed under the sealing key, so
// that afterwards none opens with a retired fleet key alone.
//
// No lock is taken, and none is needed: each value is rewritten in a
// transaction that compares its mod revision with the one read, so a value
// that changed in between (another rekey) is read again and retried, and
// one that went (pruned) is left alone. The plaintext does not change, and
// a renewer holding a lineage's lock writes only new keys (vN+1, current),
// never the values re-sealed here, so neither can undo the other; a reader
// meets the old envelope or the new one, and opens either as long as it
// holds both keys (the rotation's order, man page: fleet rekey).
//
// Idempotent: a value already sealed under the sealing key is counted and
// left as it is (its envelope names the key id; nothing is decrypted).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/sealed_box.h"
#include "etcd/client.h"

namespace certpilot::fleet {

struct ResealReport {
  int resealed = 0;  // re-sealed under the sealing key by this run
  int current = 0;   // already sealed under it
  // "KEY: why" for each value that could not be re-sealed: sealed under a
  // key none of `keys` is (FleetError's text names both ids), altered, or
  // still changing after several tries.
  std::vector<std::string> failed;
};

// Re-seals every sealed value under PREFIX with keys.sealing(), opening
// each with whichever of `keys` sealed it. etcd::EtcdError when etcd
// cannot be used (what was re-sealed so far stays re-sealed: running it
// again finishes the job).
ResealReport ResealAll(etcd::Client& client, std::string_view prefix,
                       const crypto::SealKeys& keys);

}  // namespace certpilot::fleet
