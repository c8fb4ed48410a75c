// Each lineage's ARI state in the fleet (issue #17, RFC 9773): the answer a
// node got from the CA's renewalInfo, so that the other nodes use it until
// its Retry-After instead of asking again, and every node renews at the same
// point chosen in the window.
//
//   PREFIX/ari/LINEAGE   the state, as the app layer writes it (app/wiring/
//                        ari_state.h; opaque here)
//
// Not under a lease and not fenced: an ARI answer is advice, the newest one
// written wins, and a stale one only costs a request.
//
// Errors: etcd::EtcdError from etcd; FleetError for a bad prefix or name
// (key_names.h).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "etcd/client.h"

namespace certpilot::fleet {

// PREFIX/ari/LINEAGE.
std::string AriKey(std::string_view prefix, std::string_view lineage);

// Every lineage's state, by name, in one range request; with `first` and
// `last`, only those of the lineages named from `first` to `last` (byte
// order, both included): a renew pass asks for one batch of its sorted
// lineages at a time.
std::map<std::string, std::string> LoadAriRecords(etcd::Client& client,
                                                  std::string_view prefix,
                                                  std::string_view first = "",
                                                  std::string_view last = "");

// Writes each lineage's state, etcd::kMaxTxnOps to a transaction.
void PutAriRecords(etcd::Client& client, std::string_view prefix,
                   const std::map<std::string, std::string>& states);

}  // namespace certpilot::fleet
