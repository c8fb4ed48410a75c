#include "app/run.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class RunCommand : public Command {
 public:
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) override {
    CLI::App* c = root.add_subcommand("run", "Obtain a certificate through nginx and install it");
    app::CertonlyOptions& o = o_.certonly;
    AddCommonOptions(c, common);
    AddDomainOptions(c, o.domains, o.cert_name);
    c->add_flag("--nginx", nginx_, "Authenticate through and install into nginx");
    AddNginxOptions(c, o.nginx);
    c->add_option("--http-01-port", o.http01_port, "The plain-HTTP port nginx serves")
        ->default_str("80");
    c->add_option("--https-port", o_.https_port, "The port to serve HTTPS on")->default_str("443");
    c->add_flag("--redirect", o_.redirect, "Redirect plain HTTP for the names to https");
    c->add_option("--key-type", o.key_type, "rsa or ecdsa")->default_str("ecdsa");
    c->add_option("--rsa-key-size", o.rsa_key_size, "2048, 3072 or 4096")->default_str("2048");
    c->add_option("--elliptic-curve", o.elliptic_curve, "secp256r1 or secp384r1")
        ->default_str("secp256r1");
    c->add_flag("--force-renewal,--renew-by-default", o.force_renewal,
                "Replace the certificate even if it is not due");
    c->add_flag("--reuse-key", o.reuse_key, "Keep the key across renewals");
    AddHookOptions(c, o.pre_hook, o.post_hook, o.deploy_hook);
    return c;
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.certonly.common = common;
    if (nginx_) o_.installer = "nginx";
    return app::Run(o_, services);
  }

 private:
  app::RunOptions o_;
  bool nginx_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeRunCommand() { return std::make_unique<RunCommand>(); }

}  // namespace certpilot::cli
