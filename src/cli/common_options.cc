#include "cli/command.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

// A value that goes into an HTTP header must stay one line.
std::string NoControlCharacters(const std::string& value) {
  return StripControl(value) == value
             ? std::string()
             : std::string("may not contain control characters");
}

}  // namespace

void AddCommonOptions(CLI::App* app, app::CommonOptions& o) {
  app->add_option("--config-dir", o.config_dir, "Configuration directory")
      ->default_str("/etc/certpilot");
  app->add_option("--work-dir", o.work_dir, "Working directory")
      ->default_str("/var/lib/certpilot");
  app->add_option("--logs-dir", o.logs_dir, "Logs directory")
      ->default_str("/var/log/certpilot");
  app->add_option("-c,--config", o.config_file,
                  "cli.ini file of default options (besides CONFIG/cli.ini)");
  app->add_option("--max-log-backups", o.max_log_backups,
                  "Old log files to keep (0: never rotate the log)")
      ->default_str("10")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--server", o.server,
                  "ACME directory URL (default: Let's Encrypt)");
  app->add_flag("--staging,--test-cert", o.staging,
                "Use Let's Encrypt's staging server");
  app->add_option(
      "--ca-bundle", o.ca_bundle,
      "PEM file of CAs to trust for the ACME server (env CERTPILOT_CA_BUNDLE)");
  app->add_option(
         "--http-timeout", o.http_timeout_seconds,
         "Seconds each request to the ACME server may take, body included")
      ->default_str("60")
      ->check(CLI::Range(1, 3600));
  app->add_flag("-n,--non-interactive,--noninteractive", o.non_interactive,
                "Never ask; fail when something is missing");
  app->add_flag("--agree-tos", o.agree_tos,
                "Agree to the ACME server's terms of service");
  app->add_option("-m,--email", o.email,
                  "Account contact email, for the CA's notices about the "
                  "account (comma-separated for several)");
  app->add_flag("--eff-email,--no-eff-email")
      ->description(
          "Accepted from certbot; certpilot shares no address with anyone");
  app->add_option("--account", o.account,
                  "Stored account ID to use (see show_account)");
  app->add_flag("--register-unsafely-without-email",
                o.register_unsafely_without_email,
                "Register without an email address");
  app->add_option("--eab-kid", o.eab_kid,
                  "External account binding key id (from your CA)");
  app->add_option(
      "--eab-hmac-key", o.eab_hmac_key,
      "External account binding HMAC key, base64url (visible to other users; "
      "prefer --eab-hmac-key-file or $CERTPILOT_EAB_HMAC_KEY)");
  app->add_option("--eab-hmac-key-file", o.eab_hmac_key_file,
                  "File holding the external account binding HMAC key");
  app->add_option("--eab-hmac-alg", o.eab_hmac_alg, "HS256, HS384 or HS512")
      ->default_str("HS256");
  app->add_option("--user-agent", o.user_agent,
                  "User-Agent of the ACME requests (default: "
                  "certpilot/VERSION)")
      ->check(NoControlCharacters);
  app->add_option("--user-agent-comment", o.user_agent_comment,
                  "Appended to the default User-Agent, in parentheses")
      ->check(NoControlCharacters)
      ->check([](const std::string& v) {
        return v.find_first_of("()") == std::string::npos
                   ? std::string()
                   : std::string("may not contain parentheses");
      });
  app->add_option("--issuance-timeout", o.issuance_timeout_seconds,
                  "Seconds the CA may take to issue a finalized order")
      ->default_str("300")
      ->check(CLI::PositiveNumber);
  app->add_option("--lock-wait", o.lock_wait_seconds,
                  "Seconds to wait for a certificate (or the accounts, nginx) "
                  "that another certpilot run holds; 0: do not wait")
      ->default_str("0")
      ->check(CLI::NonNegativeNumber);
  app->add_flag("-v,--verbose", o.verbosity, "More output (repeatable)");
  app->add_flag("-q,--quiet", o.quiet, "Only errors");
}

void AddDomainOptions(CLI::App* app, std::vector<std::string>& domains,
                      std::string& cert_name) {
  // Appended as each -d is parsed (trigger_on_parse), so that -w can tell
  // which names follow it. Blanks around the names go, as certbot strips
  // them: cli.ini's "domains = a.example, b.example" is two names.
  app->add_option_function<std::vector<std::string>>(
         "-d,--domains,--domain",
         [&domains](const std::vector<std::string>& v) {
           for (const std::string& name : v)
             domains.push_back(std::string(Trim(name)));
         },
         "Domain name or IP address (repeatable, or comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->trigger_on_parse();
  app->add_option("--cert-name", cert_name,
                  "Lineage name (default: the first domain)");
}

void AddHookOptions(CLI::App* app, std::string& pre, std::string& post,
                    std::string& deploy) {
  app->add_option("--pre-hook", pre,
                  "Command to run once before renewing (sh -c)");
  app->add_option("--post-hook", post,
                  "Command to run once after renewing (sh -c)");
  app->add_option(
      "--deploy-hook,--renew-hook", deploy,
      "Command to run for each renewed certificate (sh -c; RENEWED_LINEAGE, "
      "RENEWED_DOMAINS)");
}

void AddIssuanceOptions(CLI::App* app, app::CertonlyOptions& o) {
  app->add_option("--key-type", o.key_type, "rsa or ecdsa")
      ->default_str("ecdsa");
  app->add_option("--rsa-key-size", o.rsa_key_size, "2048, 3072 or 4096")
      ->default_str("2048");
  app->add_option("--elliptic-curve", o.elliptic_curve,
                  "secp256r1 or secp384r1")
      ->default_str("secp256r1");
  app->add_flag("--force-renewal,--renew-by-default", o.force_renewal,
                "Replace the certificate even if it is not due");
  app->add_flag("--reuse-key", o.reuse_key, "Keep the key across renewals");
  AddHookOptions(app, o.pre_hook, o.post_hook, o.deploy_hook);
  app->add_flag("--allow-subset-of-names", o.allow_subset_of_names,
                "Leave out names the CA cannot validate instead of failing "
                "(also at renewal)");
  auto* off = app->add_flag_callback(
      "--no-autorenew", [&o] { o.autorenew = false; },
      "renew skips this certificate unless --force-renewal");
  app->add_flag_callback(
         "--autorenew", [&o] { o.autorenew = true; },
         "renew renews this certificate when due (the default)")
      ->excludes(off);
  app->add_flag("--keep-until-expiring,--keep,--reinstall",
                o.keep_until_expiring,
                "Keep a certificate with these names that is not due "
                "(never ask)");
  app->add_flag("--duplicate", o.duplicate,
                "A new certificate (NAME-0001) even if one holds these names");
  app->add_flag_callback(
      "--no-directory-hooks", [&o] { o.directory_hooks = false; },
      "Do not run the executables in CONFIG/renewal-hooks/");
  app->add_flag("--break-my-certs", o.break_my_certs,
                "Replace a trusted certificate with a staging one, or the "
                "reverse");
  AddPkcs12Options(app, o.pkcs12);
}

void AddPkcs12Options(CLI::App* app, app::Pkcs12Settings& o) {
  app->add_option("--pkcs12-path", o.path,
                  "Also keep a PKCS#12 keystore (key, certificate, chain) "
                  "here, for Java servers; rewritten at each renewal");
  app->add_option("--pkcs12-password-file", o.password_file,
                  "File holding the keystore's password (one line)");
}

}  // namespace certpilot::cli
