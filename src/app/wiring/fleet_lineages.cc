#include "app/wiring/fleet_lineages.h"

#include <cstdint>
#include <map>

#include "fleet/deployment_record.h"
#include "fleet/lineage_index.h"

namespace certpilot::app {

std::vector<FleetLineageStatus> FleetLineageStatuses(
    etcd::Client& client, const std::string& prefix,
    const std::vector<FleetNode>& nodes) {
  const std::map<std::string, int64_t> current =
      fleet::CurrentVersions(client, prefix);
  std::vector<FleetLineageStatus> out;
  if (current.empty()) return out;
  std::map<std::string, std::vector<fleet::Deployment>> deployed =
      fleet::LoadAllDeployments(client, prefix);
  for (const auto& [name, version] : current) {
    FleetLineageStatus l;
    l.name = name;
    l.version = version;
    std::map<std::string, fleet::Deployment> by_node;
    for (const fleet::Deployment& d : deployed[name]) by_node[d.node] = d;
    for (const auto& [node, d] : by_node)
      l.deployed.push_back({node, d.version, d.serial, d.time});
    for (const FleetNode& n : nodes) {
      auto it = by_node.find(n.name);
      if (it == by_node.end() || it->second.version < version)
        l.lagging.push_back(n.name);
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace certpilot::app
