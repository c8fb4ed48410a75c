// Every long option certbot knows, so that a certbot cli.ini works here:
// config_args.h takes a key certpilot implements, maps one certpilot has
// under another name, ignores (with one warning per run) one only certbot
// has, and rejects a key neither knows.
//
// Where the names come from (certbot_options.cc keeps them in that order):
// `certbot --help all` of certbot 2.1 (Debian 12, with its nginx and
// dns-rfc2136 plugins), plus what certbot's source defines up to 5.x without
// listing it in the help or in plugins that are not installed here:
// certbot/src/certbot/_internal/cli/__init__.py and subparsers.py
// (hidden options such as verbose-level, text, no-hsts, the deprecated
// no-self-upgrade ...), certbot's plugins' add_parser_arguments (webroot,
// manual, standalone, nginx, apache) and the DNS plugins, each of which
// registers dns-PROVIDER-propagation-seconds and, all but route53,
// dns-PROVIDER-credentials (google also dns-google-project).
// tests/integration/certbot_cli_ini_test.cc checks the table against the
// installed certbot's `--help all` at test time.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace certpilot::cli {

struct CertbotOption {
  enum class Kind {
    // certbot only: a setting certpilot ignores (one warning names them).
    kIgnored,
    // What certpilot always does, or a no-op in certbot itself
    // (no-self-upgrade): accepted silently.
    kCertpilotDefault,
    // certpilot has it under another name: `certpilot_name`.
    kMapped,
  };
  std::string_view name;  // without "--"
  Kind kind = Kind::kIgnored;
  std::string_view certpilot_name;  // kMapped only
};

// certbot's option `name` (a long name without "--"), if certbot has one.
std::optional<CertbotOption> FindCertbotOption(std::string_view name);

// The whole table, in certbot's order (for tests).
std::span<const CertbotOption> AllCertbotOptions();

}  // namespace certpilot::cli
