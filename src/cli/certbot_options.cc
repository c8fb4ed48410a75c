#include "cli/certbot_options.h"

#include <algorithm>
#include <array>

namespace certpilot::cli {
namespace {

using Kind = CertbotOption::Kind;

constexpr CertbotOption Ignored(std::string_view name) {
  return {name, Kind::kIgnored, {}};
}
constexpr CertbotOption Default(std::string_view name) {
  return {name, Kind::kCertpilotDefault, {}};
}
constexpr CertbotOption Mapped(std::string_view name,
                               std::string_view certpilot_name) {
  return {name, Kind::kMapped, certpilot_name};
}

// Names certpilot implements under the same name are here too (ignored
// entries that are never consulted: an option certpilot has is taken first),
// so that the table is certbot's whole list and can be checked against it.
constexpr std::array kCertbotOptions = {
    // certbot/_internal/cli/__init__.py, in its order.
    Ignored("verbose"),
    Ignored("verbose-level"),  // hidden: a developer's cli.ini setting
    Default("text"),           // hidden: a no-op since certbot 0.x
    Ignored("max-log-backups"),
    Ignored("preconfigured-renewal"),  // hidden: for packagers
    Ignored("non-interactive"),
    Ignored("noninteractive"),
    Ignored("force-interactive"),
    Ignored("domains"),
    Ignored("domain"),
    Ignored("eab-kid"),
    Ignored("eab-hmac-key"),
    Ignored("eab-hmac-alg"),
    Ignored("cert-name"),
    Ignored("dry-run"),
    Ignored("run-deploy-hooks"),
    Ignored("register-unsafely-without-email"),
    Ignored("email"),
    Ignored("eff-email"),
    Ignored("no-eff-email"),
    Ignored("keep-until-expiring"),
    Ignored("keep"),
    Ignored("reinstall"),
    Ignored("expand"),
    Ignored("force-renewal"),
    Ignored("renew-by-default"),
    Ignored("renew-with-new-domains"),
    Ignored("reuse-key"),
    Ignored("no-reuse-key"),
    Ignored("new-key"),
    Ignored("allow-subset-of-names"),
    Ignored("agree-tos"),
    Ignored("account"),
    Ignored("duplicate"),
    Ignored("quiet"),
    Ignored("test-cert"),
    Ignored("staging"),
    Ignored("debug"),
    Ignored("debug-challenges"),
    Ignored("no-verify-ssl"),
    Ignored("http-01-port"),
    Ignored("http-01-address"),
    Ignored("https-port"),
    Ignored("break-my-certs"),
    Ignored("rsa-key-size"),
    Ignored("key-type"),
    Ignored("elliptic-curve"),
    Ignored("must-staple"),
    Ignored("redirect"),
    Ignored("no-redirect"),
    Ignored("hsts"),
    Ignored("no-hsts"),
    Ignored("uir"),
    Ignored("no-uir"),
    Ignored("staple-ocsp"),
    Ignored("no-staple-ocsp"),
    Ignored("strict-permissions"),
    Ignored("required-profile"),
    Ignored("preferred-profile"),
    Ignored("preferred-chain"),
    Ignored("preferred-challenges"),
    Ignored("issuance-timeout"),
    Ignored("pre-hook"),
    Ignored("post-hook"),
    Ignored("renew-hook"),
    Ignored("no-random-sleep-on-renew"),
    Ignored("deploy-hook"),
    Ignored("disable-hook-validation"),
    Ignored("no-directory-hooks"),
    Ignored("disable-renew-updates"),
    Ignored("no-autorenew"),
    // Deprecated in certbot, where they do nothing.
    Default("os-packages-only"),
    Default("no-self-upgrade"),
    Default("no-bootstrap"),
    Default("no-permissions-check"),
    // certbot/plugins/enhancements.py
    Ignored("auto-hsts"),
    // certbot 5: certificates for IP addresses.
    Ignored("ip-address"),
    // cli/subparsers.py
    Ignored("user-agent"),
    Ignored("user-agent-comment"),
    Ignored("csr"),
    Ignored("reason"),
    Ignored("delete-after-revoke"),
    Ignored("no-delete-after-revoke"),
    Ignored("checkpoints"),
    Ignored("init"),
    Ignored("prepare"),
    Ignored("authenticators"),
    Ignored("installers"),
    // cli/paths_parser.py (config, help and version are refused in a file).
    Ignored("cert-path"),
    Ignored("key-path"),
    Ignored("fullchain-path"),
    Ignored("chain-path"),
    Ignored("config-dir"),
    Ignored("work-dir"),
    Ignored("logs-dir"),
    Ignored("server"),
    // cli/plugins_parsing.py: choosing plugins.
    Ignored("configurator"),
    Ignored("authenticator"),
    Ignored("installer"),
    Ignored("nginx"),
    Ignored("standalone"),
    Ignored("manual"),
    Ignored("webroot"),
    Ignored("dns-cloudflare"),
    Ignored("dns-cloudxns"),  // removed in certbot 2.0; old files have it
    Ignored("dns-digitalocean"),
    Ignored("dns-dnsimple"),
    Ignored("dns-dnsmadeeasy"),
    Ignored("dns-gehirn"),
    Ignored("dns-google"),
    Ignored("dns-linode"),
    Ignored("dns-luadns"),
    Ignored("dns-nsone"),
    Ignored("dns-ovh"),
    Ignored("dns-rfc2136"),
    Ignored("dns-route53"),
    Ignored("dns-sakuracloud"),
    // The plugins' add_parser_arguments.
    Ignored("webroot-path"),
    Ignored("webroot-map"),
    Ignored("manual-auth-hook"),
    Ignored("manual-cleanup-hook"),
    Ignored("manual-public-ip-logging-ok"),  // a no-op since certbot 1.x
    Ignored("nginx-server-root"),
    Ignored("nginx-ctl"),
    Ignored("nginx-sleep-seconds"),
    Ignored("apache-enmod"),
    Ignored("apache-dismod"),
    Ignored("apache-le-vhost-ext"),
    Ignored("apache-logs-root"),
    Ignored("apache-handle-modules"),
    Ignored("apache-handle-sites"),
    Ignored("apache-bin"),
    // The DNS plugins (certbot/plugins/dns_common.py and each plugin).
    Ignored("dns-cloudflare-credentials"),
    Ignored("dns-cloudflare-propagation-seconds"),
    Ignored("dns-cloudxns-credentials"),
    Ignored("dns-cloudxns-propagation-seconds"),
    Ignored("dns-digitalocean-credentials"),
    Ignored("dns-digitalocean-propagation-seconds"),
    Ignored("dns-dnsimple-credentials"),
    Ignored("dns-dnsimple-propagation-seconds"),
    Ignored("dns-dnsmadeeasy-credentials"),
    Ignored("dns-dnsmadeeasy-propagation-seconds"),
    Ignored("dns-gehirn-credentials"),
    Ignored("dns-gehirn-propagation-seconds"),
    Ignored("dns-google-credentials"),
    Ignored("dns-google-project"),
    Ignored("dns-google-propagation-seconds"),
    Ignored("dns-linode-credentials"),
    Ignored("dns-linode-propagation-seconds"),
    Ignored("dns-luadns-credentials"),
    Ignored("dns-luadns-propagation-seconds"),
    Ignored("dns-nsone-credentials"),
    Ignored("dns-nsone-propagation-seconds"),
    Ignored("dns-ovh-credentials"),
    Ignored("dns-ovh-propagation-seconds"),
    // certpilot's dns-rfc2136 reads certbot's credentials file as it is; its
    // wait after the update is --dns-propagation-seconds.
    Ignored("dns-rfc2136-credentials"),
    Mapped("dns-rfc2136-propagation-seconds", "dns-propagation-seconds"),
    Ignored("dns-route53-propagation-seconds"),  // credentials: AWS's own
    Ignored("dns-sakuracloud-credentials"),
    Ignored("dns-sakuracloud-propagation-seconds"),
};

}  // namespace

std::optional<CertbotOption> FindCertbotOption(std::string_view name) {
  const auto* it =
      std::find_if(kCertbotOptions.begin(), kCertbotOptions.end(),
                   [name](const CertbotOption& o) { return o.name == name; });
  if (it == kCertbotOptions.end()) return std::nullopt;
  return *it;
}

std::span<const CertbotOption> AllCertbotOptions() { return kCertbotOptions; }

}  // namespace certpilot::cli
