// Fleet mode's plain structs (issue #17): how to reach the fleet's etcd
// (--fleet-* options, also from cli.ini) and what a node registers there.
// Pure values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certpilot::app {

struct FleetOptions {
  // --fleet-endpoints URL[,URL...]: etcd members, "https://host:port".
  // Empty: fleet mode is off.
  std::vector<std::string> endpoints;
  std::string prefix = "/certpilot";  // --fleet-prefix: every key under it
  std::string cacert;                 // --fleet-cacert: trust for etcd's TLS
  std::string client_cert;            // --fleet-client-cert (with the key)
  std::string client_key;             // --fleet-client-key
  std::string user;                   // --fleet-user (etcd authentication)
  std::string password_file;          // --fleet-password-file
  std::string secret_file;            // --fleet-secret-file: the fleet key
  std::string node;                   // --fleet-node; empty: the host name
  // --fleet-old-secret-file PATH[,PATH...]: more fleet keys, for opening
  // only, while the fleet key is rotated (`fleet rekey`).
  std::vector<std::string> old_secret_files;
  // --fleet-lock-ttl: the lease of a lineage's lock while this node renews
  // it (kept alive every third of it); a node that stops for longer loses
  // the lock, and its publish is refused (lineage_lock.h).
  int lock_ttl_seconds = 60;
  // --fleet-responder HOST:PORT: where this node's agent answers HTTP-01
  // behind nginx (app/rules/fleet_responder.h); "": the agent listens on
  // --http-01-address/--http-01-port and nginx is not pointed at it.
  std::string responder;

  bool enabled() const { return !endpoints.empty(); }
  bool operator==(const FleetOptions&) const = default;
};

// A node of the registry: PREFIX/nodes/NAME, under the node's lease (it
// goes when the node stops heartbeating), holding a JSON object with
// "address" (where the renewer checks the node serves a challenge) and
// "heartbeat" (Unix seconds of its last heartbeat).
struct FleetNode {
  std::string name;
  std::string address;
  int64_t heartbeat = 0;
  int64_t lease = 0;  // the etcd lease that keeps the entry
};

// One lineage as `fleet status` shows it: the fleet's current version, what
// each node reported deployed (PREFIX/deployed/LINEAGE/NODE, by node name)
// and the registered nodes behind the current version.
struct FleetLineageStatus {
  struct Deployed {
    std::string node;
    int64_t version = 0;
    std::string serial;  // hex
    int64_t time = 0;    // Unix seconds
  };
  std::string name;
  int64_t version = 0;
  std::vector<Deployed> deployed;
  std::vector<std::string> lagging;
};

}  // namespace certpilot::app
