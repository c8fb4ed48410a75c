#include "app/usecases/fleet.h"
#include "app/usecases/fleet_push.h"
#include "app/usecases/fleet_rekey.h"
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
                "etcd): keygen, status, push, rekey") {}
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
    push_ = c->add_subcommand(
        "push",
        "Upload this node's certificates to the fleet (e.g. after "
        "import-certbot)");
    push_->add_option("--cert-name", cert_name_, "Only this certificate");
    push_->add_flag("--force", force_,
                    "Also those the fleet has, as their next version");
    rekey_ = c->add_subcommand(
        "rekey",
        "Re-seal every private key in etcd under --fleet-secret-file, "
        "opening them with it or --fleet-old-secret-file (key rotation)");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    if (keygen_->parsed()) {
      app::FleetKeygenOptions o;
      o.common = common;
      o.secret_file = fleet_.secret_file;
      return app::FleetKeygen(o, services);
    }
    if (push_->parsed()) {
      app::FleetPushOptions o;
      o.common = common;
      o.fleet = fleet_;
      o.cert_name = cert_name_;
      o.force = force_;
      return app::FleetPush(o, services);
    }
    if (rekey_->parsed()) {
      app::FleetRekeyOptions o;
      o.common = common;
      o.fleet = fleet_;
      return app::FleetRekey(o, services);
    }
    app::FleetStatusOptions o;
    o.common = common;
    o.fleet = fleet_;
    o.json = json_;
    return app::FleetStatus(o, services);
  }

 private:
  CLI::App* keygen_ = nullptr;
  CLI::App* push_ = nullptr;
  CLI::App* rekey_ = nullptr;
  std::string cert_name_;
  bool force_ = false;
  app::FleetOptions fleet_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeFleetCommand() {
  return std::make_unique<FleetCommand>();
}

}  // namespace certpilot::cli
