#include "app/usecases/fleet.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

// `fleet keygen`, `fleet status` (and, as fleet mode grows, push, rekey):
// one command with subcommands, as `certpilot fleet keygen
// --fleet-secret-file PATH` reads.
class FleetCommand : public Command {
 public:
  FleetCommand()
      : Command("fleet",
                "Fleet mode (several nodes sharing certificates through "
                "etcd): keygen, status") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    // On `fleet` itself: every fleet subcommand takes them (options given
    // after the subcommand fall through to here), as cli.ini does.
    AddFleetOptions(c, fleet_);
    c->require_subcommand(1);
    keygen_ = c->add_subcommand(
        "keygen",
        "Write a new fleet key (32 random bytes, mode 0600) that seals "
        "private keys before they go to etcd");
    CLI::App* status =
        c->add_subcommand("status", "List the nodes registered in etcd");
    status->add_flag("--json", json_, "Print JSON");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    if (keygen_->parsed()) {
      app::FleetKeygenOptions o;
      o.common = common;
      o.secret_file = fleet_.secret_file;
      return app::FleetKeygen(o, services);
    }
    app::FleetStatusOptions o;
    o.common = common;
    o.fleet = fleet_;
    o.json = json_;
    return app::FleetStatus(o, services);
  }

 private:
  CLI::App* keygen_ = nullptr;
  app::FleetOptions fleet_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeFleetCommand() {
  return std::make_unique<FleetCommand>();
}

}  // namespace certpilot::cli
