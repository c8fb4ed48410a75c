#include "app/types/options.h"

namespace certpilot::app {

std::string CommonOptions::ServerUrl() const {
  if (!server.empty()) return server;
  return staging ? kLetsEncryptStaging : kLetsEncryptProduction;
}

}  // namespace certpilot::app
