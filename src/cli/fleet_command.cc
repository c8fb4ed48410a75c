#include "app/usecases/fleet.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

// `fleet keygen` (and, as fleet mode grows, status, push, rekey): one
// command with subcommands, as `certpilot fleet keygen --fleet-secret-file
// PATH` reads.
class FleetCommand : public Command {
 public:
  FleetCommand()
      : Command("fleet",
                "Fleet mode (several nodes sharing certificates through "
                "etcd): keygen") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    // On `fleet` itself: every fleet subcommand takes it (options given
    // after the subcommand fall through to here).
    c->add_option("--fleet-secret-file", keygen_options_.secret_file,
                  "The fleet key file (keygen: where to write a new one; "
                  "never overwritten)");
    c->require_subcommand(1);
    c->add_subcommand(
        "keygen",
        "Write a new fleet key (32 random bytes, mode 0600) that seals "
        "private keys before they go to etcd");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    keygen_options_.common = common;
    return app::FleetKeygen(keygen_options_, services);
  }

 private:
  app::FleetKeygenOptions keygen_options_;
};

}  // namespace

std::unique_ptr<Command> MakeFleetCommand() {
  return std::make_unique<FleetCommand>();
}

}  // namespace certpilot::cli
