#include "app/certificates.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class CertificatesCommand : public Command {
 public:
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) override {
    CLI::App* l = root.add_subcommand("certificates", "List the certificates certpilot manages");
    AddCommonOptions(l, common);
    AddDomainOptions(l, o_.domains, o_.cert_name);
    l->add_flag("--json", o_.json, "Print a JSON array");
    return l;
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
