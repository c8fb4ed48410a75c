// PebbleFixture: the real Pebble ACME CA (Debian package `pebble`, 2.4.0) and
// its DNS companion pebble-challtestsrv, started on free loopback ports for
// integration tests, end-to-end tests, scripts/quickstart and bench.
//
// Construction:
//   - creates a private temp dir (mkdtemp under $TMPDIR or /tmp);
//   - generates a throwaway CA and a server certificate for Pebble's HTTPS
//     listener (SAN DNS:localhost, IP:127.0.0.1) with the OpenSSL API;
//     ca_bundle_path() is the PEM a client must trust to talk to Pebble;
//   - picks free 127.0.0.1 ports, writes pebble-config.json, starts
//     `pebble-challtestsrv` (DNS only: every A query answers 127.0.0.1, TXT
//     records come from SetTxt) and `pebble -dnsserver` pointing at it;
//   - polls (deadline Options::startup_timeout, no fixed sleeps) until the
//     ACME directory answers a TLS-verified GET and both management listeners
//     accept connections. A lost race for a port is retried with new ports.
// It throws std::runtime_error, quoting the tail of the daemons' logs, when
// the binaries are missing or the daemons do not come up. It never skips.
//
// Pebble validates HTTP-01 at http://<name>:http_port()/ and TLS-ALPN-01 at
// <name>:tls_port(), where every name resolves to 127.0.0.1: the code under
// test runs its responder on 127.0.0.1 at that port.
//
// Destruction (or Stop()) sends SIGTERM, then SIGKILL after a deadline, reaps
// both children and removes the temp dir, unless the environment has
// CERTPILOT_KEEP_TEST_DIRS=1 (then the dir, with the logs, is kept and its
// path printed to stderr). The children also get SIGTERM if the process that
// started them dies (PR_SET_PDEATHSIG), so a crashed test leaks no daemons.
// Starting, awaiting and stopping the daemons is support/daemon.h's.
//
// Thread safety: construct, use and destroy on one thread (the children are
// tied to the thread that forked them). The HTTP helpers may be called from
// any thread once construction has returned.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

struct PebbleOptions {
  // PEBBLE_VA_NOSLEEP: without it Pebble waits 0-5 s before each validation.
  bool va_nosleep = true;
  // PEBBLE_WFE_NONCEREJECT: percentage of good nonces rejected with badNonce
  // (Pebble's own default is 5; ours is 0 so tests are deterministic).
  int nonce_reject_percent = 0;
  // PEBBLE_AUTHZREUSE: percentage of valid authorizations reused (Pebble's
  // default is 50; ours is 0).
  int authz_reuse_percent = 0;
  // certificateValidityPeriod in seconds; unset = Pebble's default (5 years).
  std::optional<std::uint64_t> certificate_validity_seconds;
  // externalAccountBindingRequired and externalAccountMACKeys:
  // kid -> base64url (unpadded) HMAC key, as in Pebble's example config.
  bool eab_required = false;
  std::map<std::string, std::string> eab_keys;
  // domainBlocklist: names Pebble refuses to issue for.
  std::vector<std::string> domain_blocklist;
  // pebble -strict.
  bool strict = false;
  // More environment for pebble, e.g. {"PEBBLE_CHAIN_LENGTH", "2"},
  // {"PEBBLE_ALTERNATE_ROOTS", "1"}. Overrides the knobs above.
  std::map<std::string, std::string> extra_env;
  // "127.0.0.1:PORT": the DNS server Pebble resolves with (-dnsserver)
  // instead of pebble-challtestsrv, e.g. DnsServerFixture::address() for the
  // RFC 2136 tests. pebble-challtestsrv still runs (SetTxt etc. still work),
  // but Pebble no longer asks it.
  std::string dns_server;
  std::chrono::milliseconds startup_timeout{20000};
  std::chrono::milliseconds stop_timeout{5000};
  // The address the ACME listener binds (directory_url() names it, and the
  // listener's certificate has it as an IP SAN): another local address than
  // 127.0.0.1 when clients in network namespaces must reach it
  // (support/netns.h). Management and challtestsrv stay on 127.0.0.1.
  std::string acme_address = "127.0.0.1";
};

// An External Account Binding key as a CA hands it out (32 bytes,
// base64url), and the key id it goes with.
inline constexpr char kEabKid[] = "kid-1";
inline constexpr char kEabHmacKey[] =
    "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

// Options for a Pebble that requires External Account Binding and knows the
// one key kEabKid → kEabHmacKey.
inline PebbleOptions EabRequiredOptions() {
  PebbleOptions o;
  o.eab_required = true;
  o.eab_keys[kEabKid] = kEabHmacKey;
  return o;
}

class PebbleFixture {
 public:
  explicit PebbleFixture(PebbleOptions options = {});
  ~PebbleFixture();
  PebbleFixture(const PebbleFixture&) = delete;
  PebbleFixture& operator=(const PebbleFixture&) = delete;

  // "https://127.0.0.1:P/dir".
  const std::string& directory_url() const { return directory_url_; }
  // PEM of the throwaway CA that signed Pebble's listener certificate (ACME
  // and management). Not the root of issued certificates: see RootsPem().
  const std::string& ca_bundle_path() const { return ca_bundle_path_; }
  // Where Pebble sends HTTP-01 / TLS-ALPN-01 validation requests (127.0.0.1).
  int http_port() const { return http_port_; }
  int tls_port() const { return tls_port_; }
  // "https://127.0.0.1:M" (Pebble management, same TLS trust as ACME).
  const std::string& management_url() const { return management_url_; }
  // "http://127.0.0.1:C" (challtestsrv management, plain HTTP).
  const std::string& challtestsrv_management_url() const {
    return challtestsrv_management_url_;
  }
  // "127.0.0.1:D": the mock DNS server (UDP and TCP) Pebble resolves with
  // (unless PebbleOptions::dns_server names another).
  const std::string& dns_address() const { return dns_address_; }
  const std::string& temp_dir() const { return dir_.path(); }
  std::string pebble_log_path() const { return dir_ / "pebble.log"; }
  std::string challtestsrv_log_path() const {
    return dir_ / "challtestsrv.log";
  }
  const PebbleOptions& options() const { return options_; }

  // The root certificate (PEM) that issued certificates chain to; Pebble
  // makes a new one at every start. GET <management>/roots/<index>: with
  // PEBBLE_ALTERNATE_ROOTS=N, indexes 1..N are the alternate chains' roots.
  std::string RootsPem(int index = 0) const;
  // The PEM of the intermediate that signs leaf certificates.
  std::string IntermediatePem() const;
  // Pebble's status of an issued certificate: "Valid" or "Revoked". The serial
  // is hex as `openssl x509 -serial` prints it (case, colons and leading
  // zeros do not matter). Throws when Pebble does not know the serial.
  std::string CertStatus(const std::string& serial_hex) const;
  // The whole JSON object of GET <management>/cert-status-by-serial/<serial>
  // ({"Certificate","Reason","RevokedAt","Serial","Status"}).
  std::string CertStatusJson(const std::string& serial_hex) const;

  // challtestsrv mock DNS. `host` is a DNS name, with or without the trailing
  // dot, e.g. "_acme-challenge.www.example.com". Each throws on a non-200.
  void SetTxt(const std::string& host, const std::string& value) const;
  void ClearTxt(const std::string& host) const;
  void AddA(const std::string& host, const std::string& ip) const;
  void ClearA(const std::string& host) const;
  // A CNAME from `host` to `target`; challtestsrv answers a TXT query for
  // `host` with the CNAME and the target's TXT records.
  void SetCname(const std::string& host, const std::string& target) const;

  // The last `max_bytes` of each daemon's log, for failure messages.
  std::string LogTail(std::size_t max_bytes = 4000) const;

  // Stops both daemons and removes the temp dir. Idempotent; the destructor
  // calls it. Accessors stay valid; HTTP helpers fail afterwards.
  void Stop();

 private:
  void Start();
  Startup TryStart();  // on fresh ports
  std::string ManagementGet(const std::string& path) const;
  void ChalltestsrvPost(const std::string& path,
                        const std::string& json_body) const;

  PebbleOptions options_;
  TempDir dir_{"certpilot-pebble"};
  std::string ca_bundle_path_;
  std::string server_cert_path_;
  std::string server_key_path_;
  std::string config_path_;
  std::string directory_url_;
  std::string management_url_;
  std::string challtestsrv_management_url_;
  std::string dns_address_;
  int http_port_ = 0;
  int tls_port_ = 0;
  Daemon pebble_;
  Daemon challtestsrv_;
  bool stopped_ = false;
};

}  // namespace certpilot::testing
