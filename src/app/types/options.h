// What the command line (and later cli.ini) asks of each use case. Filled by
// src/cli/, validated by the use case before any network or file work.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/types/fleet.h"

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
  // Deadline for each HTTP exchange with the CA, whole body included: a CA
  // that stalls or drips its answer cannot hold a renewal (or the lock) for
  // longer than this.
  int http_timeout_seconds = 60;
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
  // rotated (app/wiring/logging.h).
  int max_log_backups = 10;
  // --account: the stored account (its ID) to act for; "" = the lineage's,
  // else the first stored for the server.
  std::string account;
  // --user-agent replaces certpilot's User-Agent on every ACME request (""
  // keeps it: RFC 8555 §6.1 wants one); --user-agent-comment is appended to
  // certpilot's in parentheses, as certbot does (ignored with --user-agent).
  std::string user_agent, user_agent_comment;
  // --issuance-timeout: how long the CA may take to issue once the order is
  // finalized (RFC 8555 §7.4), in seconds; > 0.
  int issuance_timeout_seconds = 300;
  // --lock-wait: how long to wait for a lock another run holds (a lineage,
  // the accounts, nginx, the tree), in seconds; 0 = fail (or, in renew,
  // skip the lineage) at once.
  int lock_wait_seconds = 0;

  // The directory URL this run talks to.
  std::string ServerUrl() const;
};

// --nginx-server-root / --nginx-ctl: the nginx certpilot authenticates
// through and installs into.
struct NginxOptions {
  std::string server_root = "/etc/nginx";  // holds nginx.conf
  std::string ctl = "nginx";               // the nginx binary (PATH lookup)
};

// --apache-server-root / --apache-ctl / --apache-vhost-root /
// --apache-challenge-location (certbot's names): the Apache certpilot
// authenticates through and installs into.
struct ApacheOptions {
  std::string server_root = "/etc/apache2";  // holds apache2.conf, envvars
  std::string ctl = "apache2ctl";            // apache/runtime/control.h
  // Where new vhost files go ("" = SERVER_ROOT/sites-available).
  std::string vhost_root;
  // certpilot's challenge files ("" = WORK/apache/challenge); Apache's
  // user must be able to read them.
  std::string challenge_location;

  bool operator==(const ApacheOptions&) const = default;
};

// How an authenticator other than standalone-on-port-80 proves control:
// the parts of the renewal settings the webroot, manual, DNS-01 and
// TLS-ALPN-01 ways need. Stored in the renewal conf
// (app/wiring/renewal_settings.h).
struct ChallengeSettings {
  // --preferred-challenges, normalised to "http-01", "dns-01",
  // "tls-alpn-01", most preferred first. Empty: the authenticator's default.
  std::vector<std::string> preferred;
  // --webroot: DNS name or IP address → document root.
  std::map<std::string, std::string> webroot_map;
  std::string manual_auth_hook, manual_cleanup_hook;  // --manual
  std::string dns_resolver;         // HOST[:PORT] polled for DNS-01 TXT records
  int dns_propagation_seconds = 0;  // a further plain wait for DNS-01
  std::string dns_rfc2136_credentials;  // --dns-rfc2136: certbot's ini file
  // DNS-01: follow _acme-challenge.NAME's CNAME chain and write the TXT
  // record where it ends (solvers/dns_cname.h); --no-dns-cname-delegation
  // turns it off.
  bool dns_cname_delegation = true;
  // --dns-NAME-credentials FILE of each DNS provider given (provider NAME →
  // file; dns_providers/providers.h); stored as dns_NAME_credentials.
  std::map<std::string, std::string> dns_provider_credentials;
  int tls_alpn01_port = 443;
  std::string tls_alpn01_address;  // "" = all addresses

  bool operator==(const ChallengeSettings&) const = default;
};

// What the CA is asked for besides the names and the key. Stored for
// renewal.
struct OrderSettings {
  // --preferred-chain: the issuer CN of the topmost certificate of the
  // chain to install, among the default and the alternates (RFC 8555 §7.4.2).
  std::string preferred_chain;
  // draft-ietf-acme-profiles: --preferred-profile is ordered when the CA
  // offers it (else the default, with a warning); --required-profile must be
  // offered.
  std::string preferred_profile, required_profile;
  bool must_staple = false;  // --must-staple: TLS Feature in the CSR (RFC 7633)

  bool operator==(const OrderSettings&) const = default;
};

// --pkcs12-path / --pkcs12-password-file: a PKCS#12 keystore of the
// lineage's key, certificate and chain, for Java servers, rewritten at every
// renewal (app/wiring/keystore.h). Stored in the renewal conf; the password
// itself never is. Both set or both empty.
struct Pkcs12Settings {
  std::string path;           // absolute once resolved
  std::string password_file;  // absolute once resolved

  bool enabled() const { return !path.empty(); }
  bool operator==(const Pkcs12Settings&) const = default;
};

// One -w/--webroot-path as given: it applies to the -d values from
// `first_domain` (an index into CertonlyOptions::domains) on, as certbot's.
struct WebrootPathArg {
  std::string path;
  std::size_t first_domain = 0;
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
  Pkcs12Settings pkcs12;
  NginxOptions nginx;            // used with authenticator "nginx"
  ApacheOptions apache;          // used with authenticator "apache"
  ChallengeSettings challenges;  // webroot_map is filled from the next two
  std::vector<WebrootPathArg> webroot_paths;  // -w, in command-line order
  std::string webroot_map_json;               // --webroot-map
  OrderSettings order;
  std::vector<std::string> ip_addresses;  // --ip-address (also accepted in -d)
  bool new_key =
      false;            // --new-key: a fresh key this once, even with reuse_key
  bool expand = false;  // --expand: grow the lineage whose names are a subset
  // Drop names that fail validation and order the rest again; stored, so
  // renewals do the same (certbot's allow_subset_of_names).
  bool allow_subset_of_names = false;
  // --dry-run: a full order against the CA (Let's Encrypt's staging server
  // for its production one); nothing saved, no deploy hook unless
  // run_deploy_hooks (then on the current live certificate).
  bool dry_run = false;
  bool run_deploy_hooks = false;
  // --no-autorenew: stored as autorenew = False; renew then skips the
  // lineage unless forced.
  bool autorenew = true;
  // --keep-until-expiring/--keep/--reinstall: a lineage with exactly these
  // names that is not due is kept (also the default when nobody can be asked).
  bool keep_until_expiring = false;
  // --duplicate: a new lineage (NAME-0001) even when one holds these names.
  bool duplicate = false;
  // --no-directory-hooks: skip CONFIG/renewal-hooks/*/ executables.
  bool directory_hooks = true;
  // --break-my-certs: replace a production certificate with a staging one
  // (or the reverse).
  bool break_my_certs = false;
  // --csr FILE: issue for the CSR's names and key into these files (no
  // lineage). Empty paths: NNNN_cert.pem etc. in the current directory.
  std::string csr, cert_path, chain_path, fullchain_path;
  // --fleet-*: publish the lineage to the fleet (issue #17; app/wiring/
  // fleet_session.h). Off when no endpoint is given.
  FleetOptions fleet;
};

// What install, run and enhance can add to the TLS server blocks
// (nginx/patch/enhance_patch.h).
struct Enhancements {
  bool hsts = false;         // --hsts: Strict-Transport-Security
  bool uir = false;          // --uir: Content-Security-Policy
                             // upgrade-insecure-requests
  bool staple_ocsp = false;  // --staple-ocsp (only for a certificate with an
                             // OCSP URL)
};

// `install --nginx --cert-name NAME`: serve an existing lineage from nginx.
struct InstallOptions {
  CommonOptions common;
  std::string cert_name;
  std::string installer;  // "nginx" (--nginx) or "apache" (--apache)
  NginxOptions nginx;
  ApacheOptions apache;
  int http_port = 80;    // --http-01-port: the plain-HTTP port of the blocks
  int https_port = 443;  // --https-port
  bool redirect = false;
  Enhancements enhance;
  // Fleet mode: nginx's challenge path goes to fleet.responder, this node's
  // agent (nginx/patch/challenge_proxy.h). Nothing else of it is used.
  FleetOptions fleet;
};

// `enhance --cert-name NAME`: add enhancements to the nginx server blocks of
// a lineage already installed there.
struct EnhanceOptions {
  CommonOptions common;
  std::string cert_name;
  // Used when nginx_given; otherwise the nginx the lineage's renewal conf
  // records.
  NginxOptions nginx;
  bool nginx_given = false;  // --nginx-server-root or --nginx-ctl given
  // --apache (or an --apache-* option) given: enhance the Apache the
  // lineage was installed into (`installer = apache`), with these options
  // when apache_given.
  bool apache = false;
  ApacheOptions apache_options;
  bool apache_given = false;
  int http_port = 80;
  int https_port = 443;
  bool redirect = false;
  Enhancements enhance;
};

// `run --nginx`: certonly with the nginx authenticator, then install.
struct RunOptions {
  CertonlyOptions certonly;  // its common, domains, nginx, http01_port...
  std::string installer;     // "nginx" (--nginx)
  int https_port = 443;
  bool redirect = false;
  Enhancements enhance;
};

struct RenewOptions {
  CommonOptions common;
  std::string cert_name;  // only this lineage
  // Lineages planned, checked with the CA and settled at a time: what a
  // pass holds in memory (app/usecases/renew.cc), ~1.4 MiB; four rounds of
  // kAriConcurrency lookups. Tests make it small.
  size_t plan_batch = 512;
  bool force_renewal = false;
  // Every selected lineage is ordered (due or not, autorenew or not) and
  // nothing is saved; ARI is not consulted.
  bool dry_run = false;
  // With dry_run: each lineage's deploy hooks run after its successful dry
  // run, on the current live certificate.
  bool run_deploy_hooks = false;
  bool directory_hooks = true;  // false: --no-directory-hooks
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
  bool new_key = false;  // a fresh key this once, whatever reuse_key says
  // Authenticator options given on the command line replace the stored
  // authenticator and all its challenge settings.
  std::optional<std::string> authenticator;
  std::optional<ChallengeSettings> challenges;
  std::vector<WebrootPathArg> webroot_paths;  // all apply to every name
  std::string webroot_map_json;
  std::optional<std::string> preferred_chain, preferred_profile,
      required_profile;
  std::optional<bool> must_staple;
  std::optional<Pkcs12Settings> pkcs12;  // reconfigure only
  // --metrics-file: the run's metrics for Prometheus (app/wiring/
  // metrics_file.h), written at the end of every run but a dry run; ""
  // = none.
  std::string metrics_file;
  std::optional<bool> autorenew, allow_subset_of_names;
  // --fleet-*: renew the fleet's lineages (issue #17; app/wiring/
  // fleet_session.h). Off when no endpoint is given.
  FleetOptions fleet;
};

// `reconfigure --cert-name NAME [options]`: the renew overrides, proved by a
// dry run, then stored.
struct ReconfigureOptions {
  RenewOptions renew;  // cert_name required; dry_run and force implied
};

struct CertificatesOptions {
  CommonOptions common;
  std::string cert_name;
  std::vector<std::string> domains;
  bool json = false;
  FleetOptions fleet;  // --fleet-*: list the fleet's lineages instead
};

}  // namespace certpilot::app
