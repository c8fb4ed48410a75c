// FleetArgs renders fleet options as the arguments AddFleetOptions parses
// back: the agent passes its fleet to each `certpilot renew` child this way,
// and an option left out there would make the child a different fleet
// member (it once dropped --fleet-old-secret-file, so renewals during a
// key rotation could not open versions sealed under the old key).
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/command.h"

namespace certpilot::cli {
namespace {

app::FleetOptions Parse(const std::vector<std::string>& args) {
  CLI::App parser;
  app::FleetOptions o;
  AddFleetOptions(&parser, o);
  std::vector<const char*> argv{"certpilot"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  parser.parse(int(argv.size()), argv.data());
  return o;
}

TEST(FleetArgs, EveryOptionSurvivesTheRoundTrip) {
  app::FleetOptions o;
  o.endpoints = {"https://127.0.0.1:2379", "https://127.0.0.2:2379"};
  o.prefix = "/team";
  o.cacert = "/etc/ca.pem";
  o.client_cert = "/etc/client.pem";
  o.client_key = "/etc/client.key";
  o.user = "certpilot";
  o.password_file = "/etc/password";
  o.secret_file = "/etc/fleet.key";
  o.old_secret_files = {"/etc/old1.key", "/etc/old2.key"};
  o.node = "web-2";
  o.lock_ttl_seconds = 17;
  o.responder = "127.0.0.1:8402";
  EXPECT_EQ(Parse(FleetArgs(o)), o);
}

TEST(FleetArgs, DefaultsStayDefaults) {
  app::FleetOptions o;
  o.endpoints = {"https://127.0.0.1:2379"};
  EXPECT_EQ(Parse(FleetArgs(o)), o);
}

// A --fleet-* option added to the table but not to FleetArgs fails here.
TEST(FleetArgs, RendersEveryFleetOptionOfTheTable) {
  CLI::App parser;
  app::FleetOptions parsed;
  AddFleetOptions(&parser, parsed);
  app::FleetOptions o;
  o.endpoints = {"https://127.0.0.1:2379"};
  o.cacert = o.client_cert = o.client_key = o.user = o.password_file =
      o.secret_file = o.node = o.responder = "x";
  o.old_secret_files = {"y"};
  const std::vector<std::string> args = FleetArgs(o);
  int fleet_options = 0;
  for (const CLI::Option* option : parser.get_options()) {
    const std::string name = option->get_single_name();
    if (name.rfind("fleet-", 0) != 0) continue;  // --help
    ++fleet_options;
    const std::string flag = "--" + name;
    EXPECT_NE(std::find(args.begin(), args.end(), flag), args.end())
        << flag << " is not rendered by FleetArgs";
  }
  EXPECT_EQ(fleet_options, 12);
}

}  // namespace
}  // namespace certpilot::cli
