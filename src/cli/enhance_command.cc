#include "app/usecases/enhance.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class EnhanceCommand : public Command {
 public:
  EnhanceCommand()
      : Command("enhance",
                "Add HSTS, Upgrade-Insecure-Requests, a redirect or OCSP "
                "stapling to an installed certificate's nginx blocks") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--cert-name", o_.cert_name,
                  "The certificate (lineage) whose server blocks to enhance");
    c->add_flag("--nginx", nginx_, "Enhance nginx (the only installer)");
    AddNginxOptions(c, o_.nginx);
    server_root_ = c->get_option("--nginx-server-root");
    ctl_ = c->get_option("--nginx-ctl");
    AddInstallTargetOptions(c, o_.http_port, o_.https_port, o_.redirect,
                            o_.enhance);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    o_.nginx_given = server_root_->count() > 0 || ctl_->count() > 0;
    return app::Enhance(o_, services);
  }

 private:
  app::EnhanceOptions o_;
  bool nginx_ = false;  // accepted for certbot's command lines
  CLI::Option* server_root_ = nullptr;
  CLI::Option* ctl_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeEnhanceCommand() {
  return std::make_unique<EnhanceCommand>();
}

}  // namespace certpilot::cli
