#include "cli/command_line.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/wiring/logging.h"
#include "cli/command.h"
#include "cli/config_args.h"
#include "cli/config_file.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The whole command line. Built afresh for each parse: CLI11 options
// remember what a parse saw.
//
// Adding options is most of certpilot's start-up time: CLI11 checks each new
// option's names against every earlier option of its subcommand, and the
// subcommands have 20 to 60 each. So a Parser made for kNamedSubcommands adds
// every subcommand (name and description: --help lists them, the parse
// recognises them) but the options of only those whose name is among the
// arguments: usually one, more when a value looks like a subcommand
// (--cert-name renew). A parse then behaves exactly as with every option
// added, because CLI11 enters only a subcommand whose name is an argument and
// never looks at the options of one it did not enter.
struct Parser {
  enum Options { kAll, kNamedSubcommands };

  CLI::App root{"certpilot: get and renew TLS certificates from any ACME CA",
                "certpilot"};
  app::CommonOptions common;
  std::vector<std::unique_ptr<Command>> commands = AllCommands();
  std::vector<CLI::App*> subcommands;
  bool all_options = true;  // every subcommand has its options

  Parser(const std::vector<std::string>& args, Options options) {
    root.set_version_flag("--version",
                          std::string("certpilot ") + CERTPILOT_VERSION);
    ConfigureRoot(root);
    AddCommonOptions(&root, common);
    for (auto& c : commands) {
      CLI::App* sub = root.add_subcommand(c->name(), c->description());
      if (options == kAll ||
          std::find(args.begin(), args.end(), c->name()) != args.end()) {
        c->AddOptions(sub, common);
      } else {
        all_options = false;
      }
      subcommands.push_back(sub);
    }
  }

  // REQUIRES: a successful parse.
  size_t Chosen() const {
    size_t i = 0;
    while (i + 1 < subcommands.size() && !subcommands[i]->parsed()) ++i;
    return i;
  }

  // Throws CLI::ParseError (also for --help and --version).
  void Parse(const std::string& program, const std::vector<std::string>& args) {
    std::vector<const char*> argv{program.c_str()};
    for (const std::string& a : args) argv.push_back(a.c_str());
    root.parse(int(argv.size()), argv.data());
  }
};

// The cli.ini files of this run, highest precedence first: the --config
// file (which must exist), then CONFIG/cli.ini if there is one, CONFIG
// being the --config-dir of the command line, else of the --config file,
// else the default.
std::vector<std::vector<ConfigEntry>> ReadSettings(const Parser& p) {
  std::vector<std::vector<ConfigEntry>> files;
  const CLI::App& sub = *p.subcommands[p.Chosen()];
  std::string config_dir = p.common.config_dir;
  if (!p.common.config_file.empty()) {
    std::optional<std::string> text = ReadConfigFile(p.common.config_file);
    if (!text)
      throw UsageError("--config " + StripControl(p.common.config_file) +
                       ": no such file");
    files.push_back(ParseConfigFile(*text, p.common.config_file));
    for (const ConfigEntry& e : files.back())
      if (e.key == "config-dir" && e.values.size() == 1 &&
          !GivenOnCommandLine(p.root, sub, "--config-dir"))
        config_dir = e.values[0];
  }
  const std::string default_file = config_dir + "/cli.ini";
  if (std::optional<std::string> text = ReadConfigFile(default_file)) {
    files.push_back(ParseConfigFile(*text, default_file));
    for (const ConfigEntry& e : files.back())
      if (e.key == "config-dir")
        throw UsageError(
            e.source +
            ": config-dir cannot be set in the cli.ini of the "
            "configuration directory; use --config-dir or --config FILE");
  }
  return files;
}

// The message for a parse that failed only because of `extra`: it names
// the FILE:LINE of the argument CLI11 complains about, or all of them.
std::string DescribeConfigError(const CLI::ParseError& e,
                                const ConfigArguments& extra) {
  const std::string what = e.what();
  for (size_t i = 0; i < extra.args.size(); ++i) {
    const std::string name = extra.args[i].substr(0, extra.args[i].find('='));
    if (what.find(name) != std::string::npos)
      return extra.sources[i] + ": " + what;
  }
  return what + " (with the settings from " + Join(extra.sources, ", ") + ")";
}

void ConfigureTerminal(const app::CommonOptions& o) {
  if (o.quiet)
    log::SetLevel(log::Level::kError);
  else if (o.verbosity > 0)
    log::SetLevel(log::Level::kDebug);
  else
    log::SetLevel(log::Level::kInfo);
  log::SetColor(log::TerminalWantsColor());
}

// For the log file: the command line as given (secrets redacted by the log)
// and the names, never the values, of the settings read from files.
void LogInvocation(const std::vector<std::string>& args,
                   const ConfigArguments& extra) {
  log::Debug("certpilot " CERTPILOT_VERSION " run: certpilot " +
             StripControl(Join(args, " ")));
  for (size_t i = 0; i < extra.args.size(); ++i)
    log::Debug(extra.sources[i] + ": " +
               extra.args[i].substr(0, extra.args[i].find('=')));
  for (const std::string& note : extra.notes) log::Debug(note);
}

// As certbot does, a command line that starts with an option and names no
// subcommand is one for `run`: `certpilot -d example.com --nginx`. Not
// `certpilot` alone (it lists the subcommands) nor `certpilot NAME` with a
// NAME that is no subcommand (a typo is not a domain).
bool MeansRun(const Parser& failed, const CLI::ParseError& e,
              const std::vector<std::string>& args) {
  return e.get_exit_code() != 0 && !args.empty() && StartsWith(args[0], "-") &&
         failed.root.get_subcommands().empty();
}

// CLI11 prints what ended the parse (help, version, a usage error).
int ExitAfter(const Parser& parser, const CLI::ParseError& e) {
  return parser.root.exit(e) == 0 ? kExitOk : kExitUsage;
}

// Parses `args` with a new `parser`. Returns the exit code when the parse
// ends the run (ExitAfter), else nullopt.
std::optional<int> ParseWith(std::unique_ptr<Parser>& parser,
                             const std::string& program,
                             const std::vector<std::string>& args,
                             Parser::Options options) {
  parser = std::make_unique<Parser>(args, options);
  try {
    parser->Parse(program, args);
  } catch (const CLI::ParseError& e) {
    return ExitAfter(*parser, e);
  }
  return std::nullopt;
}

// Parses, reads the cli.ini files, sets up logging and runs the subcommand.
// Throws certpilot::Error like the use cases do.
int ParseAndRun(const std::string& program, std::vector<std::string> args) {
  auto parser = std::make_unique<Parser>(args, Parser::kNamedSubcommands);
  try {
    parser->Parse(program, args);
  } catch (const CLI::ParseError& e) {
    if (!MeansRun(*parser, e, args)) return ExitAfter(*parser, e);
    args.insert(args.begin(), "run");
    if (std::optional<int> code =
            ParseWith(parser, program, args, Parser::kNamedSubcommands))
      return *code;
  }
  ConfigureTerminal(parser->common);  // for errors in the files; again below
  std::vector<std::vector<ConfigEntry>> files = ReadSettings(*parser);
  // A setting is checked against every subcommand's options (one only
  // others accept is left out, one none accepts is certbot's or an error):
  // parse again with all of them, which gives the same result.
  if (!files.empty() && !parser->all_options)
    if (std::optional<int> code =
            ParseWith(parser, program, args, Parser::kAll))
      return *code;
  ConfigArguments extra = ArgumentsFromConfig(
      parser->root, *parser->subcommands[parser->Chosen()], files);
  if (!extra.args.empty()) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.args.begin(), extra.args.end());
    parser = std::make_unique<Parser>(all, Parser::kNamedSubcommands);
    try {
      parser->Parse(program, all);
    } catch (const CLI::ParseError& e) {
      throw UsageError(DescribeConfigError(e, extra));
    }
  }

  const app::CommonOptions& common = parser->common;
  ConfigureTerminal(common);
  if (!common.eab_hmac_key.empty()) log::AddSecret(common.eab_hmac_key);
  Command& command = *parser->commands[parser->Chosen()];
  app::ProductionServices production(common, command.ContactsCa());
  app::StartLogFile(common, production.services().fs);
  LogInvocation(args, extra);
  const std::string ignored = IgnoredSettingsWarning(extra.ignored);
  if (!ignored.empty()) log::Warning(ignored);
  return command.Run(common, production.services());
}

}  // namespace

int Run(int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : "certpilot";
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  int code = kExitFailure;
  try {
    code = ParseAndRun(program, args);
  } catch (const UsageError& e) {
    log::Error(e.what());
    code = kExitUsage;
  } catch (const Error& e) {
    log::Error(e.what());
  } catch (const std::exception& e) {
    log::Error(std::string("unexpected failure: ") + StripControl(e.what()));
  }
  log::Debug("exit status " + std::to_string(code));
  log::SetFileSink(nullptr, log::Level::kDebug);  // closes the file
  return code;
}

}  // namespace certpilot::cli
