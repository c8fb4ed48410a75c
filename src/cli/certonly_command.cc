#include "app/usecases/certonly.h"
#include "cli/authenticator_args.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class CertonlyCommand : public Command {
 public:
  bool ContactsCa() const override { return true; }
  CertonlyCommand()
      : Command("certonly", "Obtain a certificate; do not install it") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    AddDomainOptions(c, o_.domains, o_.cert_name);
    c->add_option(
         "--ip-address", o_.ip_addresses,
         "IP address to certify (RFC 8738; repeatable, or comma-separated)")
        ->delimiter(',');
    auth_.Register(c, o_.domains);
    c->add_flag("--nginx", auth_.nginx,
                "Prove control through the running nginx on the HTTP port");
    AddNginxOptions(c, o_.nginx);
    c->add_flag("--apache", auth_.apache,
                "Prove control through the running Apache on the HTTP port");
    AddApacheOptions(c, o_.apache);
    c->add_option("--http-01-port", o_.http01_port,
                  "Port for the HTTP-01 responder")
        ->default_str("80");
    c->add_option("--http-01-address", o_.http01_address,
                  "Address for the HTTP-01 responder (default: all)");
    AddIssuanceOptions(c, o_);
    c->add_flag("--new-key", o_.new_key,
                "Make a new key this time, even with --reuse-key");
    order_.Register(c);
    c->add_flag(
        "--expand", o_.expand,
        "Add the names to the certificate that already holds some of them");
    c->add_flag("--dry-run", o_.dry_run,
                "Obtain a test certificate (staging server for Let's "
                "Encrypt); save nothing, run no deploy hook");
    c->add_flag("--run-deploy-hooks", o_.run_deploy_hooks,
                "With --dry-run: run the deploy hooks on the current "
                "certificate");
    c->add_option(
        "--csr", o_.csr,
        "Issue for this CSR (PEM or DER) and its key; write files, no lineage");
    c->add_option("--cert-path", o_.cert_path,
                  "With --csr: where to write the certificate");
    c->add_option("--chain-path", o_.chain_path,
                  "With --csr: where to write the chain");
    c->add_option("--fullchain-path", o_.fullchain_path,
                  "With --csr: where to write certificate + chain");
    AddFleetOptions(c, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    o_.authenticator = auth_.Chosen();
    if (o_.authenticator.empty()) o_.authenticator = "standalone";
    o_.challenges = auth_.challenges;
    o_.webroot_paths = auth_.webroot_paths;
    o_.webroot_map_json = auth_.webroot_map_json;
    o_.order = order_.order;
    return app::Certonly(o_, services);
  }

 private:
  app::CertonlyOptions o_;
  AuthenticatorArgs auth_;
  OrderArgs order_;
};

}  // namespace

std::unique_ptr<Command> MakeCertonlyCommand() {
  return std::make_unique<CertonlyCommand>();
}

}  // namespace certpilot::cli
