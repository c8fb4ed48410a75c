#include "app/certonly.h"
#include "cli/command.h"
#include "util/error.h"

namespace certpilot::cli {
namespace {

class CertonlyCommand : public Command {
 public:
  CLI::App* Register(CLI::App& root, app::CommonOptions& common) override {
    CLI::App* c = root.add_subcommand("certonly", "Obtain a certificate; do not install it");
    AddCommonOptions(c, common);
    AddDomainOptions(c, o_.domains, o_.cert_name);
    AddAuthenticatorOptions(c);
    AddNginxOptions(c, o_.nginx);
    c->add_option("--http-01-port", o_.http01_port, "Port for the HTTP-01 responder")
        ->default_str("80");
    c->add_option("--http-01-address", o_.http01_address,
                  "Address for the HTTP-01 responder (default: all)");
    AddChallengeOptions(c);
    AddIssuanceOptions(c, o_);
    return c;
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    o_.authenticator = ChosenAuthenticator();
    return app::Certonly(o_, services);
  }

 private:
  void AddAuthenticatorOptions(CLI::App* c) {
    c->add_option("-a,--authenticator", authenticator_,
                  "standalone, webroot, nginx, manual or dns-rfc2136");
    c->add_flag("--standalone", standalone_,
                "Prove control with a built-in HTTP server on port 80 (the default)");
    c->add_flag("--nginx", nginx_, "Prove control through the running nginx on the HTTP port");
    c->add_flag("--webroot", webroot_,
                "Prove control by writing files under a running web server's document root");
    c->add_flag("--manual", manual_,
                "Prove control with your own hook scripts (or by hand, on a terminal)");
    c->add_flag("--dns-rfc2136", rfc2136_,
                "Prove control with DNS-01 records added by RFC 2136 dynamic updates");
  }

  void AddChallengeOptions(CLI::App* c) {
    app::ChallengeSettings& ch = o_.challenges;
    // Called as each -w is parsed, so it knows how many -d came before it
    // (certbot: a -w applies to the -d values after it).
    c->add_option_function<std::string>(
         "-w,--webroot-path",
         [this](const std::string& path) {
           o_.webroot_paths.push_back({path, o_.domains.size()});
         },
         "Document root for the -d values that follow (--webroot; repeatable)")
        ->trigger_on_parse()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    c->add_option("--webroot-map", o_.webroot_map_json,
                  "JSON object of names to document roots, e.g. "
                  "'{\"example.com,www.example.com\": \"/var/www/html\"}' (implies -d)");
    c->add_option("--manual-auth-hook", ch.manual_auth_hook,
                  "Command that puts a challenge in place (sh -c; CERTBOT_DOMAIN, "
                  "CERTBOT_VALIDATION, CERTBOT_TOKEN, ...)");
    c->add_option("--manual-cleanup-hook", ch.manual_cleanup_hook,
                  "Command that removes it again (sh -c; also gets CERTBOT_AUTH_OUTPUT)");
    c->add_option("--preferred-challenges", ch.preferred,
                  "Challenge types to use, most preferred first: http-01, dns-01, tls-alpn-01")
        ->delimiter(',');
    c->add_option("--dns-resolver", ch.dns_resolver,
                  "DNS server (IP[:PORT]) to poll until the DNS-01 TXT records are visible");
    c->add_option("--dns-propagation-seconds", ch.dns_propagation_seconds,
                  "Seconds to wait after the DNS-01 records are in place")
        ->default_str("0");
    c->add_option("--dns-rfc2136-credentials", ch.dns_rfc2136_credentials,
                  "certbot-style RFC 2136 credentials file (server, port, TSIG key; mode 600)");
    c->add_option("--tls-alpn-01-port", ch.tls_alpn01_port, "Port for the TLS-ALPN-01 responder")
        ->default_str("443");
    c->add_option("--tls-alpn-01-address", ch.tls_alpn01_address,
                  "Address for the TLS-ALPN-01 responder (default: all)");
  }

  // At most one way of choosing; -w or --webroot-map alone imply --webroot.
  std::string ChosenAuthenticator() const {
    std::vector<std::string> chosen;
    if (!authenticator_.empty()) chosen.push_back(authenticator_);
    const std::pair<bool, const char*> flags[] = {{standalone_, "standalone"},
                                                  {nginx_, "nginx"},
                                                  {webroot_, "webroot"},
                                                  {manual_, "manual"},
                                                  {rfc2136_, "dns-rfc2136"}};
    for (const auto& [set, name] : flags)
      if (set && (chosen.empty() || chosen.front() != name)) chosen.push_back(name);
    if (chosen.size() > 1)
      throw UsageError("choose one authenticator (given: " + chosen[0] + " and " + chosen[1] +
                       ")");
    if (!chosen.empty()) return chosen.front();
    if (!o_.webroot_paths.empty() || !o_.webroot_map_json.empty()) return "webroot";
    return "standalone";
  }

  app::CertonlyOptions o_;
  std::string authenticator_;
  bool standalone_ = false, nginx_ = false, webroot_ = false, manual_ = false, rfc2136_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeCertonlyCommand() { return std::make_unique<CertonlyCommand>(); }

}  // namespace certpilot::cli
