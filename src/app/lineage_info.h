// What `certificates` shows and `renew` decides on, read from a lineage's
// live files and renewal conf.
#pragma once

#include <string>
#include <vector>

#include "app/run_context.h"
#include "util/clock.h"

namespace certpilot::app {

struct LineageInfo {
  std::string name;
  std::vector<std::string> domains;  // DNS names then IP addresses
  std::string serial;                // hex
  std::string key_type;              // "ecdsa-p256", "rsa-2048", ...
  TimePoint not_before{}, not_after{}, renew_after{};
  std::string cert_path, chain_path, fullchain_path, privkey_path;
  std::string server;
  bool valid = false;    // parses, key matches, not expired
  std::string problem;   // why it cannot be read, if it cannot ("" = fine)
};

// Never throws for a damaged lineage: the problem is reported in `problem`.
LineageInfo InspectLineage(RunContext& ctx, const std::string& name);

}  // namespace certpilot::app
