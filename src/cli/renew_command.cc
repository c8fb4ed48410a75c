#include "app/renew.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class RenewCommand : public Command {
 public:
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) override {
    CLI::App* r = root.add_subcommand("renew", "Renew every certificate that is due");
    AddCommonOptions(r, common);
    r->add_option("--cert-name", o_.cert_name, "Renew only this lineage");
    r->add_flag("--force-renewal,--renew-by-default", o_.force_renewal, "Renew even if not due");
    r->add_flag("--dry-run", o_.dry_run,
                "Obtain test certificates (staging server for Let's Encrypt); save nothing, "
                "run no deploy hook");
    r->add_flag("--no-random-sleep-on-renew", o_.no_random_sleep,
                "Do not sleep up to 8 minutes before renewing when not on a terminal");
    r->add_option("--jobs,-j", o_.jobs, "Renew up to N lineages at once")->default_str("4");
    r->add_flag("--json", o_.json, "Print a JSON summary");
    AddHookOptions(r, o_.pre_hook, o_.post_hook, o_.deploy_hook);
    r->add_option("--http-01-port", o_.http01_port, "Override the stored HTTP-01 port");
    r->add_option("--http-01-address", o_.http01_address, "Override the stored address");
    r->add_option("--key-type", o_.key_type, "Override the stored key type");
    r->add_option("--rsa-key-size", o_.rsa_key_size, "Override the stored RSA key size");
    r->add_option("--elliptic-curve", o_.elliptic_curve, "Override the stored curve");
    auto* reuse = r->add_flag("--reuse-key", reuse_, "Keep the current key from now on");
    r->add_flag("--no-reuse-key,--new-key", new_key_, "Make a new key from now on")
        ->excludes(reuse);
    return r;
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    if (reuse_) o_.reuse_key = true;
    if (new_key_) o_.reuse_key = false;
    return app::Renew(o_, services);
  }

 private:
  app::RenewOptions o_;
  bool reuse_ = false, new_key_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeRenewCommand() { return std::make_unique<RenewCommand>(); }

}  // namespace certpilot::cli
