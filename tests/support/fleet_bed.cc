#include "support/fleet_bed.h"

#include <filesystem>

namespace certpilot::testing {

FleetBed::FleetBed(char key_byte, std::string prefix)
    : prefix_(std::move(prefix)), key_(32, key_byte) {
  key_path_ = keys_.Write("fleet.key", key_);
  std::filesystem::permissions(
      key_path_,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  tls_.ca_bundle = cluster_.ca_file();
  http_ = std::make_unique<http::CurlHttpClient>(tls_);
  etcd::ClientOptions options;
  options.endpoints = cluster_.endpoints();
  etcd_ = std::make_unique<etcd::Client>(*http_, options);
}

std::vector<std::string> FleetBed::FleetArgs(
    const std::string& node, const std::vector<std::string>& extra,
    const std::vector<std::string>& endpoints) const {
  std::string list;
  for (const std::string& e :
       endpoints.empty() ? cluster_.endpoints() : endpoints)
    list += (list.empty() ? "" : ",") + e;
  std::vector<std::string> args = {
      "--fleet-endpoints", list,    "--fleet-cacert",      cluster_.ca_file(),
      "--fleet-prefix",    prefix_, "--fleet-secret-file", key_path_,
      "--fleet-node",      node};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace certpilot::testing
