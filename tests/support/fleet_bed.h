// What the fleet integration tests that run certpilot nodes as processes
// share (fleet_http01_test, fleet_renew_test, fleet_agent_renew_test): a
// real 3-member TLS etcd cluster (etcd_cluster.h), a fleet key in a 0600
// file, a client of the cluster for the test's own reads and writes, and
// the --fleet-* options a node runs with. A fixture derives from it next
// to its Pebble base; the members keep the names those tests use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "etcd/client.h"
#include "http/curl_http_client.h"
#include "support/etcd_cluster.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

class FleetBed {
 protected:
  // The fleet key is 32 times `key_byte`; nodes keep their state under
  // `prefix` in etcd.
  FleetBed(char key_byte, std::string prefix);

  // --fleet-endpoints (`endpoints`, or every member), --fleet-cacert,
  // --fleet-prefix, --fleet-secret-file and --fleet-node `node`, then
  // `extra`.
  std::vector<std::string> FleetArgs(
      const std::string& node, const std::vector<std::string>& extra = {},
      const std::vector<std::string>& endpoints = {}) const;

  std::string prefix_;
  TempDir keys_{"certpilot-fleet-key"};
  std::string key_, key_path_;
  EtcdCluster cluster_;
  http::CurlOptions tls_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<etcd::Client> etcd_;
};

}  // namespace certpilot::testing
