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
    c->add_option("--fleet-endpoints", fleet_.endpoints,
                  "etcd members, URL[,URL...] (https://HOST:PORT)")
        ->delimiter(',');
    c->add_option("--fleet-prefix", fleet_.prefix,
                  "Where certpilot's keys live in etcd")
        ->capture_default_str();
    c->add_option("--fleet-cacert", fleet_.cacert,
                  "PEM trust anchors for etcd's TLS certificate");
    c->add_option("--fleet-client-cert", fleet_.client_cert,
                  "PEM client certificate for etcd");
    c->add_option("--fleet-client-key", fleet_.client_key, "Its private key");
    c->add_option("--fleet-user", fleet_.user, "etcd user name");
    c->add_option("--fleet-password-file", fleet_.password_file,
                  "File holding the etcd user's password");
    c->add_option("--fleet-secret-file", secret_file_,
                  "The fleet key file (keygen: where to write a new one; "
                  "never overwritten)");
    c->add_option("--fleet-node", fleet_.node,
                  "This node's name in the fleet (default: the host name)");
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
      o.secret_file = secret_file_;
      return app::FleetKeygen(o, services);
    }
    app::FleetStatusOptions o;
    o.common = common;
    o.fleet = fleet_;
    o.fleet.secret_file = secret_file_;
    o.json = json_;
    return app::FleetStatus(o, services);
  }

 private:
  CLI::App* keygen_ = nullptr;
  app::FleetOptions fleet_;
  std::string secret_file_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeFleetCommand() {
  return std::make_unique<FleetCommand>();
}

}  // namespace certpilot::cli
