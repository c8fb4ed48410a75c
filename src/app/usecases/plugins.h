// `plugins`: the authenticators and installers this build has and what each
// needs, as certbot's `plugins` lists its own. Touches nothing.
#pragma once

#include <vector>

#include "app/types/options.h"
#include "app/types/results.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct PluginsOptions {
  CommonOptions common;
  bool json = false;
  // certbot's filters: only authenticators, only installers (both or
  // neither: all).
  bool authenticators = false, installers = false;
};

// Every authenticator (app/rules/challenge_choice.h's, in its order), then
// every installer; a plugin that is both is listed once.
std::vector<PluginListing> ListPlugins();

// Prints ListPlugins() (filtered), as text or (--json) PluginsJson.
// Returns 0.
int Plugins(const PluginsOptions& o, Services& services);

}  // namespace certpilot::app
