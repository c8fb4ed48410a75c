#include "app/usecases/accounts.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

// register, show_account, update_account and unregister share one shape.
class AccountCommand : public Command {
 public:
  using Action = int (*)(const app::AccountOptions&, app::Services&);
  AccountCommand(const char* name, const char* help, Action action)
      : Command(name, help), action_(action) {}

  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    if (action_ == &app::ShowAccount)
      c->add_flag("--json", o_.json, "Print JSON");
    if (action_ == &app::UpdateAccount)
      c->add_flag("--new-key", o_.new_key,
                  "Roll the account over to a fresh key (RFC 8555 key change)");
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    return action_(o_, services);
  }

 private:
  Action action_;
  app::AccountOptions o_;
};

}  // namespace

std::unique_ptr<Command> MakeRegisterCommand() {
  return std::make_unique<AccountCommand>("register", "Create an ACME account",
                                          &app::Register);
}
std::unique_ptr<Command> MakeShowAccountCommand() {
  return std::make_unique<AccountCommand>(
      "show_account", "Show the ACME account", &app::ShowAccount);
}
std::unique_ptr<Command> MakeUpdateAccountCommand() {
  return std::make_unique<AccountCommand>(
      "update_account", "Change the account's contacts (-m) or key (--new-key)",
      &app::UpdateAccount);
}
std::unique_ptr<Command> MakeUnregisterCommand() {
  return std::make_unique<AccountCommand>(
      "unregister", "Deactivate the ACME account and forget it",
      &app::Unregister);
}

}  // namespace certpilot::cli
