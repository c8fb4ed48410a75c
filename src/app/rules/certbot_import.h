// What `import-certbot` makes of certbot's settings, decided without I/O:
// which of certbot's authenticator plugins certpilot has, the command that
// makes a lineage renewable when it has not, which servers are Let's
// Encrypt's (Must-Staple), and how certbot's cli.ini joins certpilot's.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/types/options.h"

namespace certpilot::app {

// certpilot's name for certbot's `authenticator` value: the same name for the
// plugins certpilot has (standalone, webroot, nginx, manual, dns-rfc2136),
// also in the "DISTRIBUTION:NAME" form older certbots wrote for plugins
// outside their core ("certbot-dns-rfc2136:dns-rfc2136"); nullopt for a
// plugin certpilot lacks (dns-cloudflare, apache, ...).
std::optional<std::string> CertpilotAuthenticatorFor(
    const std::string& certbot_authenticator);

// The command that makes lineage `name` renewable when certbot's plugin
// `authenticator` is one certpilot lacks: `certpilot reconfigure --cert-name
// NAME` with the manual DNS-01 hooks for a DNS plugin or a wildcard name,
// else --webroot. Words in capitals (DOCUMENT_ROOT, AUTH_HOOK, CLEANUP_HOOK)
// are for the user to fill in. `config_dir` is added as --config-dir when it
// is not the default.
std::string ReconfigureCommandFor(const std::string& name,
                                  const std::string& authenticator,
                                  const std::vector<std::string>& domains,
                                  const std::string& config_dir);

// Throws UsageError "the authenticator \"X\" is not in certpilot
// (...); to renew NAME choose another: <ReconfigureCommandFor>" when
// `authenticator` is none of KnownAuthenticators(); `renew` fails the
// lineage with it, `import-certbot` warns with it.
void CheckLineageAuthenticator(const std::string& name,
                               const std::string& authenticator,
                               const std::vector<std::string>& domains,
                               const std::string& config_dir);

// The command that makes nginx serve certpilot's copy of lineage `name`,
// which certbot installed into nginx with its own live/ paths: `certpilot
// install --cert-name NAME --nginx` with the nginx settings and the HTTP
// port (where install looks for the site) that differ from the defaults.
std::string InstallCommandFor(const std::string& name,
                              const NginxOptions& nginx, int http_port,
                              const std::string& config_dir);

// The same for a lineage certbot installed into Apache (`installer =
// apache`; its -le-ssl.conf names certbot's live/ paths): `certpilot install
// --cert-name NAME --apache` with the Apache settings that differ from the
// defaults.
std::string InstallCommandFor(const std::string& name,
                              const ApacheOptions& apache, int http_port,
                              const std::string& config_dir);

// True for Let's Encrypt's production and staging ACME servers (any URL on
// acme-v02.api.letsencrypt.org or acme-staging-v02.api.letsencrypt.org).
bool IsLetsEncryptServer(std::string_view directory_url);

// certbot's cli.ini (`certbot_text`, read from `certbot_path`) made into
// certpilot's, given certpilot's own (`existing`, nullopt when there is
// none). Line by line:
//  - comments, blank lines, [sections] and options are kept as they are
//    (certpilot's cli.ini reader warns about the options it does not
//    implement). None is renamed: the one certpilot has under another name,
//    dns-rfc2136-propagation-seconds (certpilot's dns-propagation-seconds),
//    would, as a renew option, replace the challenge settings of every
//    lineage, webroot ones included; each dns-rfc2136 lineage's own conf
//    carries its value over instead;
//  - config-dir, work-dir and logs-dir are commented out: they name certbot's
//    directories, and certpilot keeps its own;
//  - must-staple is commented out when the file's server is Let's Encrypt's
//    (no `server`, `staging`/`test-cert`, or a Let's Encrypt URL): Let's
//    Encrypt has rejected Must-Staple since May 2025.
// With no `existing` file, the result is certbot's file so changed under a
// comment saying where it came from. With one, certpilot's settings win: its
// text is kept and certbot's options it does not set are appended under such
// a comment (a key it sets is left out, so that a later line cannot override
// it); when there is nothing to append, `text` is nullopt.
struct CliIniMerge {
  std::optional<std::string> text;  // the new cli.ini; nullopt: unchanged
                                    // One line per change made, for the user
                                    // ("must-staple: left out (...)").
  std::vector<std::string> notes;
};
CliIniMerge MergeCertbotCliIni(std::string_view certbot_text,
                               const std::string& certbot_path,
                               const std::optional<std::string>& existing);

}  // namespace certpilot::app
