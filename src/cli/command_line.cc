#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/certificates.h"
#include "app/certonly.h"
#include "app/options.h"
#include "app/renew.h"
#include "app/services.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// certbot accepts its common options on every subcommand and before it; so
// do we: the same options are added to the root and to each subcommand,
// bound to the same variables.
void AddCommonOptions(CLI::App* app, app::CommonOptions& o) {
  app->add_option("--config-dir", o.config_dir, "Configuration directory")
      ->default_str("/etc/certpilot");
  app->add_option("--work-dir", o.work_dir, "Working directory")
      ->default_str("/var/lib/certpilot");
  app->add_option("--logs-dir", o.logs_dir, "Logs directory")
      ->default_str("/var/log/certpilot");
  app->add_option("--server", o.server, "ACME directory URL (default: Let's Encrypt)");
  app->add_flag("--staging,--test-cert", o.staging, "Use Let's Encrypt's staging server");
  app->add_option("--ca-bundle", o.ca_bundle,
                  "PEM file of CAs to trust for the ACME server (env CERTPILOT_CA_BUNDLE)");
  app->add_flag("-n,--non-interactive,--noninteractive", o.non_interactive,
                "Never ask; fail when something is missing");
  app->add_flag("--agree-tos", o.agree_tos, "Agree to the ACME server's terms of service");
  app->add_option("-m,--email", o.email, "Account contact email (comma-separated for several)");
  app->add_flag("--register-unsafely-without-email", o.register_unsafely_without_email,
                "Register without an email address");
  app->add_flag("-v,--verbose", o.verbosity, "More output (repeatable)");
  app->add_flag("-q,--quiet", o.quiet, "Only errors");
}

void AddDomainOptions(CLI::App* app, std::vector<std::string>& domains, std::string& cert_name) {
  app->add_option("-d,--domains,--domain", domains,
                  "Domain name or IP address (repeatable, or comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app->add_option("--cert-name", cert_name, "Lineage name (default: the first domain)");
}

void AddHookOptions(CLI::App* app, std::string& pre, std::string& post, std::string& deploy) {
  app->add_option("--pre-hook", pre, "Command to run once before renewing (sh -c)");
  app->add_option("--post-hook", post, "Command to run once after renewing (sh -c)");
  app->add_option("--deploy-hook,--renew-hook", deploy,
                  "Command to run for each renewed certificate (sh -c; RENEWED_LINEAGE, "
                  "RENEWED_DOMAINS)");
}

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

  app::CertonlyOptions certonly;
  CLI::App* c = root.add_subcommand("certonly", "Obtain a certificate; do not install it");
  AddCommonOptions(c, common);
  AddDomainOptions(c, certonly.domains, certonly.cert_name);
  bool standalone = false;
  c->add_flag("--standalone", standalone, "Prove control with a built-in HTTP server on port 80");
  c->add_option("--http-01-port", certonly.http01_port, "Port for the HTTP-01 responder")
      ->default_str("80");
  c->add_option("--http-01-address", certonly.http01_address,
                "Address for the HTTP-01 responder (default: all)");
  c->add_option("--key-type", certonly.key_type, "rsa or ecdsa")->default_str("ecdsa");
  c->add_option("--rsa-key-size", certonly.rsa_key_size, "2048, 3072 or 4096")->default_str("2048");
  c->add_option("--elliptic-curve", certonly.elliptic_curve, "secp256r1 or secp384r1")
      ->default_str("secp256r1");
  c->add_flag("--force-renewal,--renew-by-default", certonly.force_renewal,
              "Replace the certificate even if it is not due");

  c->add_flag("--reuse-key", certonly.reuse_key, "Keep the key across renewals");
  AddHookOptions(c, certonly.pre_hook, certonly.post_hook, certonly.deploy_hook);

  app::RenewOptions renew;
  CLI::App* r = root.add_subcommand("renew", "Renew every certificate that is due");
  AddCommonOptions(r, common);
  r->add_option("--cert-name", renew.cert_name, "Renew only this lineage");
  r->add_flag("--force-renewal,--renew-by-default", renew.force_renewal,
              "Renew even if not due");
  r->add_flag("--dry-run", renew.dry_run,
              "Obtain test certificates (staging server for Let's Encrypt); save nothing, "
              "run no deploy hook");
  r->add_flag("--no-random-sleep-on-renew", renew.no_random_sleep,
              "Do not sleep up to 8 minutes before renewing when not on a terminal");
  r->add_option("--jobs,-j", renew.jobs, "Renew up to N lineages at once")->default_str("4");
  r->add_flag("--json", renew.json, "Print a JSON summary");
  AddHookOptions(r, renew.pre_hook, renew.post_hook, renew.deploy_hook);
  r->add_option("--http-01-port", renew.http01_port, "Override the stored HTTP-01 port");
  r->add_option("--http-01-address", renew.http01_address, "Override the stored address");
  r->add_option("--key-type", renew.key_type, "Override the stored key type");
  r->add_option("--rsa-key-size", renew.rsa_key_size, "Override the stored RSA key size");
  r->add_option("--elliptic-curve", renew.elliptic_curve, "Override the stored curve");
  r->add_flag("--reuse-key,!--no-reuse-key", renew.reuse_key, "Keep (or not) the current key");

  app::CertificatesOptions certificates;
  CLI::App* l = root.add_subcommand("certificates", "List the certificates certpilot manages");
  AddCommonOptions(l, common);
  AddDomainOptions(l, certificates.domains, certificates.cert_name);
  l->add_flag("--json", certificates.json, "Print a JSON array");

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = root.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  ConfigureLogging(common);
  app::ProductionServices production(common);
  app::Services& services = production.services();
  try {
    if (c->parsed()) {
      certonly.common = common;
      (void)standalone;  // the only authenticator so far, and the default
      return app::Certonly(certonly, services);
    }
    if (r->parsed()) {
      renew.common = common;
      return app::Renew(renew, services);
    }
    if (l->parsed()) {
      certificates.common = common;
      return app::Certificates(certificates, services);
    }
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
