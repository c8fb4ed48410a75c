#include "app/wiring/fleet_nodes.h"

#include "app/types/json_text.h"

namespace certpilot::app {

std::string FleetNodesPrefix(const std::string& prefix) {
  return prefix + "/nodes/";
}

std::vector<FleetNode> ListFleetNodes(etcd::Client& client,
                                      const std::string& prefix) {
  const std::string nodes_prefix = FleetNodesPrefix(prefix);
  std::vector<FleetNode> nodes;
  for (const etcd::KeyValue& kv : client.RangePrefix(nodes_prefix).kvs) {
    const std::string name = kv.key.substr(nodes_prefix.size());
    FleetNode node;
    node.name = name;
    if (auto parsed = ParseFleetNode(name, kv.value)) node = *parsed;
    node.lease = kv.lease;
    nodes.push_back(node);
  }
  return nodes;
}

void RegisterFleetNode(etcd::Client& client, const std::string& prefix,
                       const FleetNode& node, int64_t lease) {
  client.Put(
      {FleetNodesPrefix(prefix) + node.name, FleetNodeJson(node), lease});
}

}  // namespace certpilot::app
