// One subcommand of the command line: it adds its options to the parser and,
// when chosen, fills its app:: options struct and calls the use case.
//
// The name and description are fixed at construction, apart from the
// options, so that the parser can add every subcommand (for --help and to
// recognise them) but the options of only those named on the command line
// (command_line.cc says why).
//
// To add a subcommand: write NAME_command.cc with a MakeNameCommand()
// factory, declare it below and list it in commands.cc.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::cli {

class Command {
 public:
  Command(std::string name, std::string description)
      : name_(std::move(name)), description_(std::move(description)) {}
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  // Adds the subcommand's options to `sub`, which root.add_subcommand(name(),
  // description()) made; common options bind to `common`. Call at most once.
  virtual void AddOptions(CLI::App* sub, app::CommonOptions& common) = 0;
  // Adds the subcommand with all its options to `root`.
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) {
    CLI::App* sub = root.add_subcommand(name_, description_);
    AddOptions(sub, common);
    return sub;
  }
  // Runs the use case (after parsing). Returns the exit code; throws
  // certpilot::Error (UsageError → exit 2) like the use cases do.
  virtual int Run(const app::CommonOptions& common,
                  app::Services& services) = 0;
  // Whether the command usually talks to a CA: libcurl is then loaded on a
  // thread while the command reads its tree (http::CurlPreload).
  virtual bool ContactsCa() const { return false; }

 private:
  std::string name_;
  std::string description_;
};

// What the root needs before anything is added to it (the parser and its
// tests share it): one subcommand, to which options given before it fall
// through; and, as argparse does for certbot, an option given twice takes
// its last value (`-m a -m b` is b). Subcommands inherit the latter; lists
// (-d, -w) still collect every value.
void ConfigureRoot(CLI::App& root);

// Every subcommand, in the order --help lists them.
std::vector<std::unique_ptr<Command>> AllCommands();

std::unique_ptr<Command> MakeCertonlyCommand();
std::unique_ptr<Command> MakeRenewCommand();
std::unique_ptr<Command> MakeReconfigureCommand();
std::unique_ptr<Command> MakeCertificatesCommand();
std::unique_ptr<Command> MakeRunCommand();
std::unique_ptr<Command> MakeInstallCommand();
std::unique_ptr<Command> MakeEnhanceCommand();
std::unique_ptr<Command> MakeRevokeCommand();
std::unique_ptr<Command> MakeDeleteCommand();
std::unique_ptr<Command> MakeRegisterCommand();
std::unique_ptr<Command> MakeShowAccountCommand();
std::unique_ptr<Command> MakeUpdateAccountCommand();
std::unique_ptr<Command> MakeUnregisterCommand();
std::unique_ptr<Command> MakeImportCertbotCommand();
std::unique_ptr<Command> MakePluginsCommand();
std::unique_ptr<Command> MakeFleetCommand();
std::unique_ptr<Command> MakeAgentCommand();

// Options shared by several subcommands. certbot accepts its common options
// on every subcommand and before it; so do we: the same options are added to
// the root and to each subcommand, bound to the same variables.
void AddCommonOptions(CLI::App* app, app::CommonOptions& o);
void AddDomainOptions(CLI::App* app, std::vector<std::string>& domains,
                      std::string& cert_name);
void AddHookOptions(CLI::App* app, std::string& pre, std::string& post,
                    std::string& deploy);
// What certonly and run share: key type and size, --force-renewal,
// --reuse-key, the hooks and the PKCS#12 keystore.
void AddIssuanceOptions(CLI::App* app, app::CertonlyOptions& o);
// --fleet-endpoints, --fleet-prefix, ... (fleet_options.cc): fleet mode's
// connection and identity (issue #17), on every command fleet mode changes.
void AddFleetOptions(CLI::App* c, app::FleetOptions& o);
// `o` as the arguments AddFleetOptions parses back into it (fleet_options.cc,
// beside the table, so a new option is rendered where it is declared): for
// a child process that must join the same fleet (the agent's renew).
std::vector<std::string> FleetArgs(const app::FleetOptions& o);
// --pkcs12-path, --pkcs12-password-file.
void AddPkcs12Options(CLI::App* app, app::Pkcs12Settings& o);
// --nginx-server-root, --nginx-ctl (defined in install_command.cc).
void AddNginxOptions(CLI::App* app, app::NginxOptions& o);
// --apache-server-root, --apache-ctl, --apache-vhost-root,
// --apache-challenge-location (certbot's names; apache_options.cc).
void AddApacheOptions(CLI::App* app, app::ApacheOptions& o);
// --http-01-port, --https-port, --redirect, --hsts, --uir, --staple-ocsp
// (install_command.cc): where and how install, run and enhance edit nginx.
void AddInstallTargetOptions(CLI::App* app, int& http_port, int& https_port,
                             bool& redirect, app::Enhancements& e);

}  // namespace certpilot::cli
