#include "cli/command_line.h"

#include "cli/command.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void ConfigureLogging(const app::CommonOptions& o) {
  if (o.quiet) log::SetLevel(log::Level::kError);
  else if (o.verbosity > 0) log::SetLevel(log::Level::kDebug);
  else log::SetLevel(log::Level::kInfo);
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App root{"certpilot: get and renew TLS certificates from any ACME CA", "certpilot"};
  root.set_version_flag("--version", std::string("certpilot ") + CERTPILOT_VERSION);
  root.require_subcommand(1);
  root.fallthrough();

  app::CommonOptions common;
  AddCommonOptions(&root, common);
  std::vector<std::unique_ptr<Command>> commands = AllCommands();
  std::vector<CLI::App*> subcommands;
  for (auto& c : commands) subcommands.push_back(c->Register(root, common));

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  ConfigureLogging(common);
  app::ProductionServices production(common);
  try {
    for (size_t i = 0; i < commands.size(); ++i)
      if (subcommands[i]->parsed()) return commands[i]->Run(common, production.services());
  } catch (const UsageError& e) {
    log::Error(e.what());
    return kExitUsage;
  } catch (const Error& e) {
    log::Error(e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    log::Error(std::string("unexpected failure: ") + StripControl(e.what()));
    return kExitFailure;
  }
  return kExitUsage;
}

}  // namespace certpilot::cli
