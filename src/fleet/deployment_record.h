// What each node has deployed (issue #17): after an agent has materialized a
// lineage version into its local tree (and run the deploy hooks), it says so
//
//   PREFIX/deployed/LINEAGE/NODE   {"version":N,"serial":"HEX","time":UNIX}
//
// so that `fleet status` can show, per lineage, which version every node
// serves and which nodes lag behind. The record is not under a lease: a node
// that stops keeps its last word (its registry entry, PREFIX/nodes/NODE,
// says whether it is alive).
//
// Errors: etcd::EtcdError from etcd; FleetError for a bad name
// (key_names.h). Records that cannot be parsed are read as version 0.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/client.h"

namespace certpilot::fleet {

struct Deployment {
  std::string node;
  int64_t version = 0;  // the lineage version (lineage_record.h)
  std::string serial;   // the certificate's serial, hex
  int64_t time = 0;     // Unix seconds when it was deployed

  bool operator==(const Deployment&) const = default;
};

// PREFIX/deployed/LINEAGE/NODE.
std::string DeploymentKey(std::string_view prefix, std::string_view lineage,
                          std::string_view node);

// Writes `d` (d.node names the node) for `lineage`.
void RecordDeployment(etcd::Client& client, std::string_view prefix,
                      std::string_view lineage, const Deployment& d);

// Deletes `node`'s record for `lineage` (none: no-op): the node no longer
// holds the lineage (deleted fleet-wide, lineage_tombstone.h).
void RemoveDeployment(etcd::Client& client, std::string_view prefix,
                      std::string_view lineage, std::string_view node);

// Every node's record for `lineage`, in node order.
std::vector<Deployment> LoadDeployments(etcd::Client& client,
                                        std::string_view prefix,
                                        std::string_view lineage);

// Every lineage's records, by lineage name, read in one request.
std::map<std::string, std::vector<Deployment>> LoadAllDeployments(
    etcd::Client& client, std::string_view prefix);

// The JSON value of a record (without the node) and back; Parse gives
// version 0 for text that is not such an object.
std::string DeploymentJson(const Deployment& d);
Deployment ParseDeployment(std::string_view node, std::string_view json);

}  // namespace certpilot::fleet
