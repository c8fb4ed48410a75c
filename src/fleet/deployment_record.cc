#include "fleet/deployment_record.h"

#include <nlohmann/json.hpp>

#include "fleet/key_names.h"
#include "util/strings.h"

namespace certpilot::fleet {
namespace {

std::string DeployedPrefix(std::string_view prefix) {
  return FleetKey(prefix, "deployed") + "/";
}

}  // namespace

std::string DeploymentKey(std::string_view prefix, std::string_view lineage,
                          std::string_view node) {
  return DeployedPrefix(prefix) + std::string(CheckedName(lineage)) + "/" +
         std::string(CheckedName(node));
}

std::string DeploymentJson(const Deployment& d) {
  return nlohmann::json{
      {"version", d.version}, {"serial", d.serial}, {"time", d.time}}
      .dump();
}

Deployment ParseDeployment(std::string_view node, std::string_view json) {
  Deployment d;
  d.node = std::string(node);
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return d;
  auto number = [&](const char* name) -> int64_t {
    auto it = j.find(name);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  d.version = number("version");
  d.time = number("time");
  auto serial = j.find("serial");
  if (serial != j.end() && serial->is_string())
    d.serial = serial->get<std::string>();
  return d;
}

void RecordDeployment(etcd::Client& client, std::string_view prefix,
                      std::string_view lineage, const Deployment& d) {
  client.Put({DeploymentKey(prefix, lineage, d.node), DeploymentJson(d), 0});
}

void RemoveDeployment(etcd::Client& client, std::string_view prefix,
                      std::string_view lineage, std::string_view node) {
  client.Delete({DeploymentKey(prefix, lineage, node), ""});
}

std::vector<Deployment> LoadDeployments(etcd::Client& client,
                                        std::string_view prefix,
                                        std::string_view lineage) {
  const std::string base =
      DeployedPrefix(prefix) + std::string(CheckedName(lineage)) + "/";
  std::vector<Deployment> out;
  for (const etcd::KeyValue& kv : client.RangePrefix(base).kvs) {
    const std::string node = kv.key.substr(base.size());
    if (node.find('/') == std::string::npos)
      out.push_back(ParseDeployment(node, kv.value));
  }
  return out;
}

std::map<std::string, std::vector<Deployment>> LoadAllDeployments(
    etcd::Client& client, std::string_view prefix) {
  const std::string base = DeployedPrefix(prefix);
  std::map<std::string, std::vector<Deployment>> out;
  for (const etcd::KeyValue& kv : client.RangePrefix(base).kvs) {
    const std::string rest = kv.key.substr(base.size());
    const size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 ||
        rest.find('/', slash + 1) != std::string::npos)
      continue;
    out[rest.substr(0, slash)].push_back(
        ParseDeployment(rest.substr(slash + 1), kv.value));
  }
  return out;
}

}  // namespace certpilot::fleet
