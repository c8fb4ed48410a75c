#include "app/usecases/run.h"
#include "cli/command.h"
#include "util/error.h"

namespace certpilot::cli {
namespace {

class RunCommand : public Command {
 public:
  bool ContactsCa() const override { return true; }
  RunCommand()
      : Command("run",
                "Obtain a certificate through nginx or Apache and install it") {
  }
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    app::CertonlyOptions& o = o_.certonly;
    AddCommonOptions(c, common);
    AddDomainOptions(c, o.domains, o.cert_name);
    c->add_flag("--nginx", nginx_,
                "Authenticate through and install into nginx");
    AddNginxOptions(c, o.nginx);
    c->add_flag("--apache", apache_,
                "Authenticate through and install into Apache httpd");
    AddApacheOptions(c, o.apache);
    AddInstallTargetOptions(c, o.http01_port, o_.https_port, o_.redirect,
                            o_.enhance);
    AddIssuanceOptions(c, o);
    AddFleetOptions(c, o.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.certonly.common = common;
    if (nginx_ && apache_)
      throw UsageError("pass one installer: --nginx or --apache");
    if (nginx_) o_.installer = "nginx";
    if (apache_) o_.installer = "apache";
    return app::Run(o_, services);
  }

 private:
  app::RunOptions o_;
  bool nginx_ = false;
  bool apache_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeRunCommand() {
  return std::make_unique<RunCommand>();
}

}  // namespace certpilot::cli
