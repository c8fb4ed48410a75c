#include "app/usecases/certificates.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class CertificatesCommand : public Command {
 public:
  CertificatesCommand()
      : Command("certificates", "List the certificates certpilot manages") {}
  void AddOptions(CLI::App* l, app::CommonOptions& common) override {
    AddCommonOptions(l, common);
    AddDomainOptions(l, o_.domains, o_.cert_name);
    l->add_flag("--json", o_.json, "Print a JSON array");
    // Fleet mode (issue #17): the fleet's lineages, each node's deployment.
    AddFleetOptions(l, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    return app::Certificates(o_, services);
  }

 private:
  app::CertificatesOptions o_;
};

}  // namespace

std::unique_ptr<Command> MakeCertificatesCommand() {
  return std::make_unique<CertificatesCommand>();
}

}  // namespace certpilot::cli
