#include "cli/command.h"

namespace certpilot::cli {

void ConfigureRoot(CLI::App& root) {
  root.require_subcommand(1);
  root.fallthrough();
  root.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(MakeCertonlyCommand());
  all.push_back(MakeRenewCommand());
  all.push_back(MakeReconfigureCommand());
  all.push_back(MakeCertificatesCommand());
  all.push_back(MakeRunCommand());
  all.push_back(MakeInstallCommand());
  all.push_back(MakeEnhanceCommand());
  all.push_back(MakeRevokeCommand());
  all.push_back(MakeDeleteCommand());
  all.push_back(MakeRegisterCommand());
  all.push_back(MakeShowAccountCommand());
  all.push_back(MakeUpdateAccountCommand());
  all.push_back(MakeUnregisterCommand());
  all.push_back(MakeImportCertbotCommand());
  all.push_back(MakePluginsCommand());
  all.push_back(MakeFleetCommand());
  all.push_back(MakeAgentCommand());
  return all;
}

}  // namespace certpilot::cli
