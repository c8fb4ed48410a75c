#include "app/usecases/fleet.h"
#include "cli/command.h"

namespace certpilot::cli {

void AddFleetOptions(CLI::App* c, app::FleetOptions& fleet) {
  c->add_option("--fleet-endpoints", fleet.endpoints,
                "etcd members, URL[,URL...] (https://HOST:PORT)")
      ->delimiter(',');
  c->add_option("--fleet-prefix", fleet.prefix,
                "Where certpilot's keys live in etcd")
      ->capture_default_str();
  c->add_option("--fleet-cacert", fleet.cacert,
                "PEM trust anchors for etcd's TLS certificate");
  c->add_option("--fleet-client-cert", fleet.client_cert,
                "PEM client certificate for etcd");
  c->add_option("--fleet-client-key", fleet.client_key, "Its private key");
  c->add_option("--fleet-user", fleet.user, "etcd user name");
  c->add_option("--fleet-password-file", fleet.password_file,
                "File holding the etcd user's password");
  c->add_option("--fleet-secret-file", fleet.secret_file,
                "The fleet key file (keygen: where to write a new one; "
                "never overwritten)");
  c->add_option("--fleet-node", fleet.node,
                "This node's name in the fleet (default: the host name)");
}

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
