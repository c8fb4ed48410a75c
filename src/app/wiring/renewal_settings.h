// The settings a lineage is renewed with, as stored in renewal/NAME.conf in
// certbot's key names (so certbot's confs read back, and ours read in
// certbot).
#pragma once

#include <optional>
#include <string>

#include "app/wiring/run_context.h"
#include "crypto/private_key.h"
#include "storage/renewal_conf.h"

namespace certpilot::app {

struct RenewalSettings {
  std::string server;
  std::string account_id;
  std::string authenticator;  // "standalone", ...
  crypto::KeySpec key_spec;
  int http01_port = 80;
  std::string http01_address;
  std::optional<std::string> renew_before_expiry;  // top-level, certbot syntax
  bool reuse_key = false;
  // Hook commands (run with /bin/sh -c; data only through the environment).
  // certbot stores the deploy hook as renew_hook.
  std::string pre_hook, post_hook, deploy_hook;
  // "nginx" or "apache" once `install`/`run` put the lineage into that
  // server ("" = none; a certbot "None" reads as ""). renew then reloads it
  // after renewing.
  std::string installer;
  // nginx_server_root / nginx_ctl, stored when the authenticator or the
  // installer is nginx.
  NginxOptions nginx;
  // apache_server_root / apache_ctl (and apache_vhost_root,
  // apache_challenge_location when set), stored when the authenticator or
  // the installer is apache.
  ApacheOptions apache;
  // webroot, manual, DNS-01 and TLS-ALPN-01 settings, in certbot's keys
  // where certbot has them (pref_challs, webroot_path + [[webroot_map]],
  // manual_auth_hook, manual_cleanup_hook, dns_rfc2136_credentials) and
  // certpilot's own otherwise (dns_resolver, dns_propagation_seconds,
  // tls_alpn_01_port, tls_alpn_01_address). Keys are written only when they
  // differ from the defaults.
  ChallengeSettings challenges;
  // preferred_chain, must_staple (certbot's keys), preferred_profile,
  // required_profile; written only when set.
  OrderSettings order;
  // pkcs12_path, pkcs12_password_file (certpilot's keys; certbot ignores
  // them); written only when set.
  Pkcs12Settings pkcs12;
  // certbot's autorenew (written only when False: renew skips the lineage
  // unless forced) and allow_subset_of_names (written only when True: names
  // that fail validation are left out of the renewed certificate).
  bool autorenew = true;
  bool allow_subset_of_names = false;
};

// The conf WriteRenewalConf writes (no write): CONFIG/renewal/NAME.conf
// as it is, or a new one, with `s` set in it.
storage::RenewalConf RenewalConfFor(RunContext& ctx, const std::string& name,
                                    const RenewalSettings& s);

// Writes CONFIG/renewal/NAME.conf atomically; keeps comments and keys we do
// not know from an existing file.
void WriteRenewalConf(RunContext& ctx, const std::string& name,
                      const RenewalSettings& s);

// Reads it back. Throws storage::StorageError / UsageError on a damaged conf.
RenewalSettings ReadRenewalConf(RunContext& ctx, const std::string& name);

// The settings `conf` holds (`path` names it in messages); what
// ReadRenewalConf does once the file is read. Throws as it does.
RenewalSettings RenewalSettingsOf(const storage::RenewalConf& conf,
                                  const std::string& path);

}  // namespace certpilot::app
