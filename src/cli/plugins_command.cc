#include "app/usecases/plugins.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class PluginsCommand : public Command {
 public:
  PluginsCommand()
      : Command("plugins",
                "List the authenticators and installers and what each "
                "needs") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_flag("--json", o_.json, "Print a JSON array");
    c->add_flag("--authenticators", o_.authenticators,
                "Only the authenticators");
    c->add_flag("--installers", o_.installers, "Only the installers");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    return app::Plugins(o_, services);
  }

 private:
  app::PluginsOptions o_;
};

}  // namespace

std::unique_ptr<Command> MakePluginsCommand() {
  return std::make_unique<PluginsCommand>();
}

}  // namespace certpilot::cli
