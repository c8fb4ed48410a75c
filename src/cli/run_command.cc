#include "app/usecases/run.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class RunCommand : public Command {
 public:
  RunCommand()
      : Command("run", "Obtain a certificate through nginx and install it") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    app::CertonlyOptions& o = o_.certonly;
    AddCommonOptions(c, common);
    AddDomainOptions(c, o.domains, o.cert_name);
    c->add_flag("--nginx", nginx_,
                "Authenticate through and install into nginx");
    AddNginxOptions(c, o.nginx);
    AddInstallTargetOptions(c, o.http01_port, o_.https_port, o_.redirect,
                            o_.enhance);
    AddIssuanceOptions(c, o);
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

std::unique_ptr<Command> MakeRunCommand() {
  return std::make_unique<RunCommand>();
}

}  // namespace certpilot::cli
