#include "app/usecases/enhance.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class EnhanceCommand : public Command {
 public:
  EnhanceCommand()
      : Command("enhance",
                "Add HSTS, Upgrade-Insecure-Requests, a redirect or OCSP "
                "stapling to an installed certificate's nginx blocks or Apache "
                "virtual hosts") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--cert-name", o_.cert_name,
                  "The certificate (lineage) whose server blocks to enhance");
    c->add_flag("--nginx", nginx_, "Enhance nginx");
    AddNginxOptions(c, o_.nginx);
    server_root_ = c->get_option("--nginx-server-root");
    ctl_ = c->get_option("--nginx-ctl");
    c->add_flag("--apache", o_.apache,
                "Enhance Apache (the default for a lineage installed there)");
    AddApacheOptions(c, o_.apache_options);
    apache_root_ = c->get_option("--apache-server-root");
    apache_ctl_ = c->get_option("--apache-ctl");
    AddInstallTargetOptions(c, o_.http_port, o_.https_port, o_.redirect,
                            o_.enhance);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    o_.nginx_given = server_root_->count() > 0 || ctl_->count() > 0;
    o_.apache_given = apache_root_->count() > 0 || apache_ctl_->count() > 0;
    return app::Enhance(o_, services);
  }

 private:
  app::EnhanceOptions o_;
  bool nginx_ = false;  // accepted for certbot's command lines
  CLI::Option* server_root_ = nullptr;
  CLI::Option* ctl_ = nullptr;
  CLI::Option* apache_root_ = nullptr;
  CLI::Option* apache_ctl_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeEnhanceCommand() {
  return std::make_unique<EnhanceCommand>();
}

}  // namespace certpilot::cli
