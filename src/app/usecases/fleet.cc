#include "app/usecases/fleet.h"

#include <optional>
#include <ostream>
#include <vector>

#include "app/types/json_text.h"
#include "app/wiring/fleet_connection.h"
#include "app/wiring/fleet_lineages.h"
#include "app/wiring/fleet_nodes.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "crypto/sealed_box.h"
#include "etcd/client.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

int FleetKeygen(const FleetKeygenOptions& o, Services& services) {
  const std::string& path = o.secret_file;
  if (path.empty())
    throw UsageError("fleet keygen: --fleet-secret-file PATH is required");
  const std::string shown = StripControl(path);
  if (services.fs.Exists(path))
    throw UsageError("fleet keygen: " + shown +
                     " already exists; refusing to overwrite a fleet key "
                     "(what it sealed could no longer be read)");
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (slash + 1 == path.size() || !services.fs.IsDir(dir))
    throw UsageError("fleet keygen: " + shown +
                     " is not a file name in an existing directory");
  const std::string key = crypto::RandomBytes(crypto::kSealKeyBytes);
  services.fs.CreateFileExclusive(path, key, 0600, std::nullopt);
  services.out << "Wrote a new fleet key to " << shown << " (key id "
               << crypto::HexLower(crypto::SealKeyId(key))
               << "). Copy it, mode 0600, to every node of the fleet.\n";
  return 0;
}

namespace {

void PrintDeployments(const std::vector<FleetLineageStatus>& lineages,
                      std::ostream& out) {
  if (lineages.empty()) return;
  out << lineages.size() << (lineages.size() == 1 ? " lineage" : " lineages")
      << " (current version; version deployed by each node):\n";
  for (const FleetLineageStatus& l : lineages) {
    out << "  " << StripControl(l.name) << "  v" << l.version;
    for (const FleetLineageStatus::Deployed& d : l.deployed)
      out << "  " << StripControl(d.node) << " v" << d.version;
    std::vector<std::string> lagging;
    for (const std::string& node : l.lagging)
      lagging.push_back(StripControl(node));
    if (!lagging.empty()) out << "  lagging: " << Join(lagging, ", ");
    out << "\n";
  }
}

}  // namespace

int FleetStatus(const FleetStatusOptions& o, Services& services) {
  const FleetOptions fleet = CheckFleetOptions(o.fleet, services.fs);
  FleetConnection connection = ConnectFleet(fleet, services);
  const std::string nodes_prefix = FleetNodesPrefix(fleet.prefix);
  const std::vector<FleetNode> nodes =
      ListFleetNodes(*connection.etcd, fleet.prefix);
  const std::vector<FleetLineageStatus> lineages =
      FleetLineageStatuses(*connection.etcd, fleet.prefix, nodes);
  if (o.json) {
    services.out << FleetStatusJson(fleet.prefix, nodes, lineages) << "\n";
    return 0;
  }
  if (nodes.empty()) {
    services.out << "No node is registered under " << StripControl(nodes_prefix)
                 << " (no certpilot agent is running).\n";
  } else {
    const long long now = UnixSeconds(services.clock.Now());
    services.out << nodes.size() << (nodes.size() == 1 ? " node" : " nodes")
                 << " registered under " << StripControl(nodes_prefix) << ":\n";
    for (const FleetNode& n : nodes) {
      services.out << "  " << StripControl(n.name) << "  address "
                   << (n.address.empty() ? "(none)" : StripControl(n.address));
      if (n.heartbeat > 0)
        services.out << "  heartbeat "
                     << FormatRfc3339(FromUnixSeconds(n.heartbeat)) << " ("
                     << (now - n.heartbeat) << " s ago)";
      services.out << "\n";
    }
  }
  PrintDeployments(lineages, services.out);
  return 0;
}

}  // namespace certpilot::app
