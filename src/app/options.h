// What the command line (and later cli.ini) asks of each use case. Filled by
// src/cli/, validated by the use case before any network or file work.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace certpilot::app {

inline constexpr char kLetsEncryptProduction[] =
    "https://acme-v02.api.letsencrypt.org/directory";
inline constexpr char kLetsEncryptStaging[] =
    "https://acme-staging-v02.api.letsencrypt.org/directory";

// Accepted by every subcommand, as certbot does.
struct CommonOptions {
  std::string config_dir = "/etc/certpilot";
  std::string work_dir = "/var/lib/certpilot";
  std::string logs_dir = "/var/log/certpilot";
  std::string server;  // empty: Let's Encrypt production (or staging)
  bool staging = false;
  std::string ca_bundle;  // empty: $CERTPILOT_CA_BUNDLE, else the system store
  bool non_interactive = false;
  bool agree_tos = false;
  std::string email;
  bool register_unsafely_without_email = false;
  // External account binding (RFC 8555 §7.3.4), for CAs that require it.
  // The HMAC key (base64url, as CAs hand it out) comes from eab_hmac_key_file,
  // eab_hmac_key or $CERTPILOT_EAB_HMAC_KEY; it is never written anywhere.
  std::string eab_kid, eab_hmac_key, eab_hmac_key_file;
  std::string eab_hmac_alg = "HS256";
  int verbosity = 0;  // -v count
  bool quiet = false;
  // -c/--config FILE: a cli.ini to read besides CONFIG/cli.ini (read by
  // src/cli/ before the use case runs; the use cases ignore it).
  std::string config_file;
  // Old log files kept beside LOGS/certpilot.log; 0: the file is never
  // rotated (app/logging.h).
  int max_log_backups = 10;

  // The directory URL this run talks to.
  std::string ServerUrl() const;
};

// --nginx-server-root / --nginx-ctl: the nginx certpilot authenticates
// through and installs into.
struct NginxOptions {
  std::string server_root = "/etc/nginx";  // holds nginx.conf
  std::string ctl = "nginx";               // the nginx binary (PATH lookup)
};

struct CertonlyOptions {
  CommonOptions common;
  std::vector<std::string> domains;  // -d values, comma lists already split
  std::string cert_name;
  std::string authenticator = "standalone";
  int http01_port = 80;
  std::string http01_address;  // "" = all addresses, IPv4 and IPv6
  std::string key_type = "ecdsa";
  int rsa_key_size = 2048;
  std::string elliptic_curve = "secp256r1";
  bool force_renewal = false;
  bool reuse_key = false;
  std::string pre_hook, post_hook, deploy_hook;
  NginxOptions nginx;  // used with authenticator "nginx"
};

// `install --nginx --cert-name NAME`: serve an existing lineage from nginx.
struct InstallOptions {
  CommonOptions common;
  std::string cert_name;
  std::string installer;  // "nginx" (--nginx); the only installer so far
  NginxOptions nginx;
  int http_port = 80;    // --http-01-port: the plain-HTTP port of the blocks
  int https_port = 443;  // --https-port
  bool redirect = false;
};

// `run --nginx`: certonly with the nginx authenticator, then install.
struct RunOptions {
  CertonlyOptions certonly;  // its common, domains, nginx, http01_port...
  std::string installer;     // "nginx" (--nginx)
  int https_port = 443;
  bool redirect = false;
};

struct RenewOptions {
  CommonOptions common;
  std::string cert_name;  // only this lineage
  bool force_renewal = false;
  bool dry_run = false;
  bool no_random_sleep = false;
  bool json = false;
  int jobs = 4;
  // Given on the command line: replace the stored hooks for this run.
  std::string pre_hook, post_hook, deploy_hook;
  // Given on the command line: override the stored settings for this run
  // (and are stored with the renewed lineage).
  std::optional<int> http01_port;
  std::optional<std::string> http01_address, key_type, elliptic_curve;
  std::optional<int> rsa_key_size;
  std::optional<bool> reuse_key;
};

struct CertificatesOptions {
  CommonOptions common;
  std::string cert_name;
  std::vector<std::string> domains;
  bool json = false;
};

}  // namespace certpilot::app
