#include "app/usecases/reconfigure.h"
#include "app/usecases/renew.h"
#include "cli/authenticator_args.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

// What renew and reconfigure share: the settings that can be changed for a
// lineage, given as overrides of what its renewal conf holds.
class RenewOverrides {
 public:
  void Register(CLI::App* r, app::RenewOptions& o) {
    r->add_option("--cert-name", o.cert_name, "Only this lineage");
    AddHookOptions(r, o.pre_hook, o.post_hook, o.deploy_hook);
    r->add_option("--http-01-port", o.http01_port,
                  "Override the stored HTTP-01 port");
    r->add_option("--http-01-address", o.http01_address,
                  "Override the stored address");
    auto* reuse =
        r->add_flag("--reuse-key", reuse_, "Keep the current key from now on");
    r->add_flag("--no-reuse-key", no_reuse_,
                "Make a new key at each renewal from now on")
        ->excludes(reuse);
    r->add_flag("--new-key", o.new_key,
                "Make a new key this time, even with --reuse-key");
    auto* autorenew = r->add_flag("--autorenew", autorenew_,
                                  "Renew this certificate when due (stored)");
    r->add_flag("--no-autorenew", no_autorenew_,
                "renew skips it unless --force-renewal (stored)")
        ->excludes(autorenew);
    r->add_flag("--allow-subset-of-names", subset_,
                "Leave out names the CA cannot validate (stored)");
    auth_.Register(r, no_domains_);
    r->add_flag("--nginx", auth_.nginx, "Prove control through nginx");
    r->add_flag("--apache", auth_.apache, "Prove control through Apache");
    order_.Register(r);
  }
  void ApplyTo(app::RenewOptions& o) const {
    if (reuse_) o.reuse_key = true;
    if (no_reuse_) o.reuse_key = false;
    if (autorenew_) o.autorenew = true;
    if (no_autorenew_) o.autorenew = false;
    if (subset_) o.allow_subset_of_names = true;
    if (auth_.Given()) {
      std::string chosen = auth_.Chosen();
      if (!chosen.empty()) o.authenticator = chosen;
      o.challenges = auth_.challenges;
      o.webroot_paths = auth_.webroot_paths;
      o.webroot_map_json = auth_.webroot_map_json;
    }
    order_.ApplyTo(o);
  }

 private:
  AuthenticatorArgs auth_;
  OrderArgs order_;
  // renew has no -d: every -w applies to all. ({}: a const member of a
  // type with a defaulted constructor must be initialized.)
  const std::vector<std::string> no_domains_{};
  bool reuse_ = false, no_reuse_ = false;
  bool autorenew_ = false, no_autorenew_ = false, subset_ = false;
};

class RenewCommand : public Command {
 public:
  bool ContactsCa() const override { return true; }
  RenewCommand() : Command("renew", "Renew every certificate that is due") {}
  void AddOptions(CLI::App* r, app::CommonOptions& common) override {
    AddCommonOptions(r, common);
    overrides_.Register(r, o_);
    r->add_flag("--force-renewal,--renew-by-default", o_.force_renewal,
                "Renew even if not due");
    r->add_flag("--dry-run", o_.dry_run,
                "Renew every selected certificate, due or not, with test "
                "certificates (staging server for Let's Encrypt); save "
                "nothing, run no deploy hook");
    r->add_flag("--run-deploy-hooks", o_.run_deploy_hooks,
                "With --dry-run: run each certificate's deploy hooks on its "
                "current certificate");
    r->add_flag_callback(
        "--no-directory-hooks", [this] { o_.directory_hooks = false; },
        "Do not run the executables in CONFIG/renewal-hooks/");
    r->add_flag(
        "--no-random-sleep-on-renew", o_.no_random_sleep,
        "Do not sleep up to 8 minutes before renewing when not on a terminal");
    r->add_option("--jobs,-j", o_.jobs, "Renew up to N lineages at once")
        ->default_str("4");
    r->add_flag("--json", o_.json, "Print a JSON summary");
    r->add_option("--metrics-file", o_.metrics_file,
                  "At the end of the run, write its metrics for Prometheus "
                  "(node_exporter's textfile collector) to PATH")
        ->type_name("PATH");
    r->add_option("--key-type", o_.key_type, "Override the stored key type");
    r->add_option("--rsa-key-size", o_.rsa_key_size,
                  "Override the stored RSA key size");
    r->add_option("--elliptic-curve", o_.elliptic_curve,
                  "Override the stored curve");
    AddFleetOptions(r, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    overrides_.ApplyTo(o_);
    return app::Renew(o_, services);
  }

 private:
  app::RenewOptions o_;
  RenewOverrides overrides_;
};

class ReconfigureCommand : public Command {
 public:
  ReconfigureCommand()
      : Command("reconfigure",
                "Change how a certificate renews, after a dry run proves it "
                "works") {}
  void AddOptions(CLI::App* r, app::CommonOptions& common) override {
    AddCommonOptions(r, common);
    overrides_.Register(r, o_.renew);
    AddPkcs12Options(r, pkcs12_);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.renew.common = common;
    overrides_.ApplyTo(o_.renew);
    if (!pkcs12_.path.empty() || !pkcs12_.password_file.empty())
      o_.renew.pkcs12 = pkcs12_;
    return app::Reconfigure(o_, services);
  }

 private:
  app::ReconfigureOptions o_;
  RenewOverrides overrides_;
  app::Pkcs12Settings pkcs12_;
};

}  // namespace

std::unique_ptr<Command> MakeRenewCommand() {
  return std::make_unique<RenewCommand>();
}
std::unique_ptr<Command> MakeReconfigureCommand() {
  return std::make_unique<ReconfigureCommand>();
}

}  // namespace certpilot::cli
