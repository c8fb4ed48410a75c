#include "app/usecases/plugins.h"

#include <ostream>

#include "app/rules/challenge_choice.h"
#include "app/types/json_text.h"
#include "dns_providers/providers.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// What each authenticator needs from the machine and the command line.
std::string AuthenticatorNeeds(const std::string& name) {
  if (name == "standalone")
    return "port 80 (--http-01-port) free for certpilot's own HTTP-01 "
           "responder; with --preferred-challenges tls-alpn-01, port 443 "
           "(--tls-alpn-01-port) instead";
  if (name == "webroot")
    return "-w PATH (or --webroot-map): the document root of a running web "
           "server, which must serve PATH/.well-known/acme-challenge/ on "
           "port 80";
  if (name == "nginx")
    return "a running nginx (--nginx-server-root, --nginx-ctl) with a server "
           "block for the names on the HTTP port; the challenge is served by "
           "a temporary location, then removed";
  if (name == "apache")
    return "a running Apache (--apache-server-root, --apache-ctl) with a "
           "virtual host for the names on the HTTP port (else a temporary "
           "one); the challenge is served through an Include of certpilot's "
           "file, checked through Apache, then removed byte for byte";
  if (name == "manual")
    return "--manual-auth-hook CMD (and --manual-cleanup-hook CMD) that put "
           "the HTTP-01 file or DNS-01 TXT record in place, or a person at a "
           "terminal to do it";
  if (name == "dns-rfc2136")
    return "--dns-rfc2136-credentials FILE (certbot's format: server, port, "
           "TSIG name, secret, algorithm; mode 600) for a DNS server that "
           "accepts RFC 2136 updates; DNS-01, so wildcards work";
  if (const dns_providers::ProviderInfo* p =
          dns_providers::FindProvider(name)) {
    std::string keys = Join(p->required_keys, ", ");
    if (!p->optional_keys.empty())
      keys += " (optional: " + Join(p->optional_keys, ", ") + ")";
    return std::string(p->credentials_optional
                           ? "the credentials its certbot plugin finds, or "
                           : "") +
           "--" + name + "-credentials FILE (mode 600) for " + p->title +
           " with " + keys + "; DNS-01, so wildcards work";
  }
  throw Error("internal: no description of the " + name + " authenticator");
}

// The installers (run, install): nginx and Apache, which also
// authenticate.
constexpr char kNginxInstallerNeeds[] =
    "; as installer (run/install --nginx): a server block for the names, "
    "to which certpilot adds the certificate, tested with nginx -t and "
    "rolled back byte for byte on any failure";
constexpr char kApacheInstallerNeeds[] =
    "; as installer (run/install --apache): a virtual host for the names, "
    "which gets certbot's SITE-le-ssl.conf twin (or its own TLS vhost's "
    "certificate paths swapped), tested with apache2ctl configtest and "
    "rolled back byte for byte on any failure";

void PrintText(const std::vector<PluginListing>& plugins, std::ostream& out) {
  for (const PluginListing& p : plugins) {
    std::vector<std::string> roles;
    if (p.authenticator)
      roles.push_back("authenticator (" + Join(p.challenges, ", ") + ")");
    if (p.installer) roles.push_back("installer");
    out << "* " << p.name << ": " << Join(roles, ", ") << "\n"
        << "  needs " << p.needs << "\n";
  }
}

}  // namespace

std::vector<PluginListing> ListPlugins() {
  std::vector<PluginListing> out;
  for (const std::string& name : KnownAuthenticators()) {
    PluginListing p;
    p.name = name;
    p.authenticator = true;
    p.challenges = AnswerableChallengeTypes(name);
    p.needs = AuthenticatorNeeds(name);
    if (name == "nginx") {
      p.installer = true;
      p.needs += kNginxInstallerNeeds;
    }
    if (name == "apache") {
      p.installer = true;
      p.needs += kApacheInstallerNeeds;
    }
    out.push_back(std::move(p));
  }
  return out;
}

int Plugins(const PluginsOptions& o, Services& services) {
  const bool all = o.authenticators == o.installers;
  std::vector<PluginListing> shown;
  for (PluginListing& p : ListPlugins())
    if (all || (o.authenticators && p.authenticator) ||
        (o.installers && p.installer))
      shown.push_back(std::move(p));
  if (o.json)
    services.out << PluginsJson(shown) << "\n";
  else
    PrintText(shown, services.out);
  return 0;
}

}  // namespace certpilot::app
