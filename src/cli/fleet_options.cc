#include "cli/command.h"
#include "util/strings.h"

namespace certpilot::cli {

void AddFleetOptions(CLI::App* c, app::FleetOptions& o) {
  c->add_option("--fleet-endpoints", o.endpoints,
                "etcd members, URL[,URL...] (https://HOST:PORT); turns fleet "
                "mode on")
      ->delimiter(',');
  c->add_option("--fleet-prefix", o.prefix,
                "Where certpilot's keys live in etcd")
      ->capture_default_str();
  c->add_option("--fleet-cacert", o.cacert,
                "PEM trust anchors for etcd's TLS certificate");
  c->add_option("--fleet-client-cert", o.client_cert,
                "PEM client certificate for etcd");
  c->add_option("--fleet-client-key", o.client_key, "Its private key");
  c->add_option("--fleet-user", o.user, "etcd user name");
  c->add_option("--fleet-password-file", o.password_file,
                "File holding the etcd user's password");
  c->add_option("--fleet-secret-file", o.secret_file,
                "The fleet key file that seals private keys in etcd (fleet "
                "keygen writes a new one; never overwritten)");
  c->add_option("--fleet-old-secret-file", o.old_secret_files,
                "More fleet key files, PATH[,PATH...], accepted for opening "
                "only while the fleet key is rotated (fleet rekey)")
      ->delimiter(',');
  c->add_option("--fleet-node", o.node,
                "This node's name in the fleet (default: the host name)");
  c->add_option("--fleet-lock-ttl", o.lock_ttl_seconds,
                "Seconds a lineage's fleet lock outlives a node that stops "
                "renewing it (kept alive while it renews)")
      ->capture_default_str();
  c->add_option("--fleet-responder", o.responder,
                "HOST:PORT where this node's agent answers HTTP-01 behind "
                "nginx: the agent listens there and install --nginx points "
                "/.well-known/acme-challenge/ at it");
}

std::vector<std::string> FleetArgs(const app::FleetOptions& o) {
  std::vector<std::string> args;
  auto add = [&args](const char* flag, const std::string& value) {
    if (!value.empty()) args.insert(args.end(), {flag, value});
  };
  add("--fleet-endpoints", Join(o.endpoints, ","));
  add("--fleet-prefix", o.prefix);
  add("--fleet-cacert", o.cacert);
  add("--fleet-client-cert", o.client_cert);
  add("--fleet-client-key", o.client_key);
  add("--fleet-user", o.user);
  add("--fleet-password-file", o.password_file);
  add("--fleet-secret-file", o.secret_file);
  add("--fleet-old-secret-file", Join(o.old_secret_files, ","));
  add("--fleet-node", o.node);
  add("--fleet-lock-ttl", std::to_string(o.lock_ttl_seconds));
  add("--fleet-responder", o.responder);
  return args;
}

}  // namespace certpilot::cli
