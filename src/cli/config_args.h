// From cli.ini settings (config_file.h) to command-line arguments for the
// subcommand being run, so that CLI11 converts and checks a value from a
// file exactly as it does a typed one, and the command line wins simply by
// having been given.
//
// certbot accepts every option with every subcommand, so its cli.ini may set
// any of them; here options belong to subcommands, so a setting that only
// other subcommands accept (rsa-key-size while running `certificates`) is
// left out, not an error. So that a certbot cli.ini works as it is, a key
// of certbot's that no subcommand accepts (certbot_options.h) is mapped to
// certpilot's name for it, accepted silently when it asks for what
// certpilot does anyway, or else ignored and named in one warning. A key
// neither certpilot nor certbot knows is an error, as it is for certbot.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/config_file.h"

namespace certpilot::cli {

struct ConfigArguments {
  // E.g. "--email=admin@example.com", "--agree-tos".
  std::vector<std::string> args;
  // Which argument came from which FILE:LINE, for messages.
  std::vector<std::string> sources;
  // For the debug log: "FILE:LINE: rsa-key-size: not an option of
  // certificates" and the like (never a value: values may be secret).
  std::vector<std::string> notes;
  // certbot settings certpilot ignores, in file order: key and FILE:LINE.
  struct Ignored {
    std::string key, source;
  };
  std::vector<Ignored> ignored;
};

// The one warning about `ignored` ("" when there is none):
// "FILE: certbot settings certpilot ignores: no-eff-email (line 4),
// nginx-sleep-seconds (line 9); FILE2: ...".
std::string IgnoredSettingsWarning(
    const std::vector<ConfigArguments::Ignored>& ignored);

// REQUIRES: `root` has parsed the command line and `sub` is the subcommand
// it chose. `files` holds the entries of each file, highest precedence
// first (the --config file, then CONFIG/cli.ini). For each entry, in that
// order:
//  - an option the command line gave (to `sub` or before it, in any
//    spelling), or one that excludes an option it gave (reuse-key after
//    --no-reuse-key), or one an earlier entry set: skipped;
//  - an option of `sub` that takes a value: "--key=V" for each value;
//  - a flag: "--key" when bare or true/yes/1 (any case), nothing when
//    false/no/0;
//  - an option only other subcommands accept: skipped, with a note;
//  - a key of certbot's that no subcommand accepts: as certbot_options.h
//    says: taken under certpilot's name, skipped with a note, or added to
//    `ignored`.
// Throws UsageError "FILE:LINE: ..." for a key neither knows, for
// config, help and version, and for a flag whose value is not one of the
// above.
// True if the command line gave `name` ("--config-dir") to `sub` or before
// it. REQUIRES: as below.
bool GivenOnCommandLine(const CLI::App& root, const CLI::App& sub,
                        const std::string& name);

ConfigArguments ArgumentsFromConfig(
    const CLI::App& root, const CLI::App& sub,
    const std::vector<std::vector<ConfigEntry>>& files);

}  // namespace certpilot::cli
