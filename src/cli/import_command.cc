#include "app/usecases/import_certbot.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class ImportCertbotCommand : public Command {
 public:
  ImportCertbotCommand()
      : Command("import-certbot",
                "Adopt certbot's accounts, certificates and renewal settings") {
  }
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--from", o_.from, "certbot's configuration directory")
        ->default_str("/etc/letsencrypt");
    c->add_option("--cert-name", o_.cert_name, "Import only this certificate");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    return app::ImportCertbot(o_, services);
  }

 private:
  app::ImportOptions o_;
};

}  // namespace

std::unique_ptr<Command> MakeImportCertbotCommand() {
  return std::make_unique<ImportCertbotCommand>();
}

}  // namespace certpilot::cli
