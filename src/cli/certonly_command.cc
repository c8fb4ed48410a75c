#include "app/certonly.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class CertonlyCommand : public Command {
 public:
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) override {
    CLI::App* c = root.add_subcommand("certonly", "Obtain a certificate; do not install it");
    AddCommonOptions(c, common);
    AddDomainOptions(c, o_.domains, o_.cert_name);
    c->add_flag("--standalone", standalone_,
                "Prove control with a built-in HTTP server on port 80 (the default)");
    c->add_flag("--nginx", nginx_, "Prove control through the running nginx on the HTTP port");
    AddNginxOptions(c, o_.nginx);
    c->add_option("--http-01-port", o_.http01_port, "Port for the HTTP-01 responder")
        ->default_str("80");
    c->add_option("--http-01-address", o_.http01_address,
                  "Address for the HTTP-01 responder (default: all)");
    c->add_option("--key-type", o_.key_type, "rsa or ecdsa")->default_str("ecdsa");
    c->add_option("--rsa-key-size", o_.rsa_key_size, "2048, 3072 or 4096")->default_str("2048");
    c->add_option("--elliptic-curve", o_.elliptic_curve, "secp256r1 or secp384r1")
        ->default_str("secp256r1");
    c->add_flag("--force-renewal,--renew-by-default", o_.force_renewal,
                "Replace the certificate even if it is not due");
    c->add_flag("--reuse-key", o_.reuse_key, "Keep the key across renewals");
    AddHookOptions(c, o_.pre_hook, o_.post_hook, o_.deploy_hook);
    return c;
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    if (nginx_) o_.authenticator = "nginx";
    return app::Certonly(o_, services);
  }

 private:
  app::CertonlyOptions o_;
  bool standalone_ = false;  // the default authenticator; accepted for certbot users
  bool nginx_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeCertonlyCommand() { return std::make_unique<CertonlyCommand>(); }

}  // namespace certpilot::cli
