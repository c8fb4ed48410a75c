#include <cstdint>

#include "app/usecases/agent.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

// `certpilot agent`: the fleet node's long-running process (issue #17).
class AgentCommand : public Command {
 public:
  AgentCommand()
      : Command("agent",
                "Fleet node: serve the fleet's HTTP-01 challenges, keep the "
                "local tree at the fleet's versions, heartbeat (until "
                "SIGTERM)") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    AddFleetOptions(c, o_.fleet);
    c->add_option("--http-01-address", o_.http01_address,
                  "Address the challenge responder listens on (default: all)");
    c->add_option("--http-01-port", o_.http01_port,
                  "Port the challenge responder listens on")
        ->capture_default_str();
    c->add_option("--fleet-address", o_.advertise,
                  "HOST:PORT where the renewer checks this node serves a "
                  "challenge (default: --http-01-address or the host name, "
                  "with --http-01-port)");
    c->add_option("--fleet-node-ttl", o_.lease_ttl,
                  "Seconds this node stays registered (and asked in the "
                  "renewers' self-check) after its last heartbeat")
        ->capture_default_str();
    c->add_option("--deploy-hook,--renew-hook", o_.deploy_hook,
                  "Command run after each lineage the agent updates "
                  "(RENEWED_LINEAGE, RENEWED_DOMAINS)");
    c->add_flag_callback(
        "--no-directory-hooks", [this] { o_.directory_hooks = false; },
        "Do not run the hooks in CONFIG/renewal-hooks/deploy/");
    c->add_flag_callback(
        "--no-renew", [this] { o_.renew.enabled = false; },
        "Do not run `certpilot renew` (twice a day, with jitter)");
    c->add_option("--renew-interval", renew_interval_,
                  "Seconds between two renew runs of this agent")
        ->capture_default_str();
    c->add_option("--renew-jitter", renew_jitter_,
                  "Up to this many seconds added at random to each wait "
                  "before a renew run (the first one included)")
        ->capture_default_str();
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    o_.fleet_args = FleetArgs(o_.fleet);
    o_.renew.interval = std::chrono::seconds(renew_interval_);
    o_.renew.jitter = std::chrono::seconds(renew_jitter_);
    return app::RunAgentUntilSignalled(o_, services);
  }

 private:
  app::AgentOptions o_;
  int64_t renew_interval_ = o_.renew.interval.count();
  int64_t renew_jitter_ = o_.renew.jitter.count();
};

}  // namespace

std::unique_ptr<Command> MakeAgentCommand() {
  return std::make_unique<AgentCommand>();
}

}  // namespace certpilot::cli
