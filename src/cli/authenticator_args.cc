#include "cli/authenticator_args.h"

#include "dns_providers/providers.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::cli {

void AuthenticatorArgs::Register(CLI::App* c,
                                 const std::vector<std::string>& domains) {
  c->add_option(
      "-a,--authenticator", authenticator_,
      "standalone, webroot, nginx, apache, manual, dns-rfc2136 or a DNS "
      "provider (dns-powerdns; see plugins)");
  c->add_flag(
      "--standalone", standalone_,
      "Prove control with a built-in HTTP server on port 80 (the default)");
  c->add_flag("--webroot", webroot_,
              "Prove control by writing files under a running web server's "
              "document root");
  c->add_flag(
      "--manual", manual_,
      "Prove control with your own hook scripts (or by hand, on a terminal)");
  c->add_flag(
      "--dns-rfc2136", rfc2136_,
      "Prove control with DNS-01 records added by RFC 2136 dynamic updates");
  app::ChallengeSettings& ch = challenges;
  auto& opts = challenge_options_;
  // certbot's plugin flags for each DNS provider (dns_providers/providers.h).
  for (const dns_providers::ProviderInfo& p : dns_providers::Providers()) {
    c->add_flag(
        "--" + p.authenticator(), provider_flags_[p.authenticator()],
        "Prove control with DNS-01 records added through the " + p.title);
    opts.push_back(c->add_option_function<std::string>(
        "--" + p.authenticator() + "-credentials",
        [&ch, name = p.name](const std::string& file) {
          ch.dns_provider_credentials[name] = file;
        },
        p.title +
            " credentials file (mode 600): " + Join(p.required_keys, ", ")));
    opts.push_back(
        c->add_option("--" + p.authenticator() + "-propagation-seconds",
                      ch.dns_propagation_seconds,
                      "Seconds to wait after the records are in place (as "
                      "--dns-propagation-seconds)"));
  }
  // Called as each -w is parsed, so it knows how many -d came before it
  // (certbot: a -w applies to the -d values after it).
  opts.push_back(c->add_option_function<std::string>(
                      "-w,--webroot-path",
                      [this, &domains](const std::string& path) {
                        webroot_paths.push_back({path, domains.size()});
                      },
                      "Document root for the -d values that follow (--webroot; "
                      "repeatable)")
                     ->trigger_on_parse()
                     ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll));
  opts.push_back(
      c->add_option("--webroot-map", webroot_map_json,
                    "JSON object of names to document roots, e.g. "
                    "'{\"example.com,www.example.com\": \"/var/www/html\"}'"));
  opts.push_back(c->add_option(
      "--manual-auth-hook", ch.manual_auth_hook,
      "Command that puts a challenge in place (sh -c; CERTBOT_DOMAIN, "
      "CERTBOT_VALIDATION, CERTBOT_TOKEN, ...)"));
  opts.push_back(c->add_option(
      "--manual-cleanup-hook", ch.manual_cleanup_hook,
      "Command that removes it again (sh -c; CERTBOT_AUTH_OUTPUT)"));
  opts.push_back(
      c->add_option("--preferred-challenges", ch.preferred,
                    "Challenge types, most preferred first: http-01, dns-01, "
                    "tls-alpn-01")
          ->delimiter(','));
  opts.push_back(c->add_option(
      "--dns-resolver", ch.dns_resolver,
      "DNS server (IP[:PORT]) to poll until the DNS-01 TXT records "
      "are visible, and to ask for CNAME chains"));
  opts.push_back(
      c->add_option("--dns-propagation-seconds", ch.dns_propagation_seconds,
                    "Seconds to wait after the DNS-01 records are in place")
          ->default_str("0"));
  opts.push_back(
      c->add_option("--dns-rfc2136-credentials", ch.dns_rfc2136_credentials,
                    "certbot-style RFC 2136 credentials file (mode 600)"));
  opts.push_back(c->add_flag_callback(
      "--no-dns-cname-delegation", [&ch] { ch.dns_cname_delegation = false; },
      "DNS-01: write the TXT record at _acme-challenge.NAME itself instead "
      "of where its CNAME chain ends"));
  opts.push_back(c->add_option("--tls-alpn-01-port", ch.tls_alpn01_port,
                               "Port for the TLS-ALPN-01 responder")
                     ->default_str("443"));
  opts.push_back(
      c->add_option("--tls-alpn-01-address", ch.tls_alpn01_address,
                    "Address for the TLS-ALPN-01 responder (default: all)"));
}

std::string AuthenticatorArgs::Chosen() const {
  std::vector<std::string> chosen;
  if (!authenticator_.empty()) chosen.push_back(authenticator_);
  const std::pair<bool, const char*> flags[] = {
      {standalone_, "standalone"}, {nginx, "nginx"},
      {apache, "apache"},          {webroot_, "webroot"},
      {manual_, "manual"},         {rfc2136_, "dns-rfc2136"}};
  for (const auto& [set, name] : flags)
    if (set && (chosen.empty() || chosen.front() != name))
      chosen.push_back(name);
  for (const auto& [name, set] : provider_flags_)
    if (set && (chosen.empty() || chosen.front() != name))
      chosen.push_back(name);
  if (chosen.size() > 1)
    throw UsageError("choose one authenticator (given: " + chosen[0] + " and " +
                     chosen[1] + ")");
  if (!chosen.empty()) return chosen.front();
  if (!webroot_paths.empty() || !webroot_map_json.empty()) return "webroot";
  return "";
}

bool AuthenticatorArgs::Given() const {
  if (!Chosen().empty()) return true;
  for (const CLI::Option* o : challenge_options_)
    if (o->count() > 0) return true;
  return false;
}

void OrderArgs::Register(CLI::App* c) {
  chain_ = c->add_option(
      "--preferred-chain", order.preferred_chain,
      "Install the chain whose top certificate is issued by this CN");
  preferred_ = c->add_option("--preferred-profile", order.preferred_profile,
                             "ACME profile to ask for when the CA offers it");
  required_ = c->add_option("--required-profile", order.required_profile,
                            "ACME profile the CA must offer");
  staple_ = c->add_flag("--must-staple", order.must_staple,
                        "Ask for the OCSP Must-Staple extension (RFC 7633)");
}

void OrderArgs::ApplyTo(app::RenewOptions& o) const {
  if (chain_->count()) o.preferred_chain = order.preferred_chain;
  if (preferred_->count()) o.preferred_profile = order.preferred_profile;
  if (required_->count()) o.required_profile = order.required_profile;
  if (staple_->count()) o.must_staple = order.must_staple;
}

}  // namespace certpilot::cli
