// DnsServerFixture: a real authoritative DNS server — Knot DNS (Debian
// package `knot`, knotd 3.2) — for the RFC 2136 tests, started on a free
// loopback port (UDP and TCP) with one test zone and TSIG keys that may
// update it.
//
// Construction:
//   - creates a private temp dir (mkdtemp under $TMPDIR or /tmp) holding
//     knot.conf, the zone file, knotd's databases, control socket and log:
//     no root-owned or system paths are touched;
//   - generates a random secret for every key without one;
//   - picks a free 127.0.0.1 port (free for UDP and TCP), starts
//     `knotd -c knot.conf` in the foreground and polls, with a deadline and
//     no fixed sleeps, until TCP connects and `knotc zone-read` shows the
//     zone loaded. A lost race for the port is retried with a new one.
// It throws std::runtime_error — quoting knotd's log — when knotd/knotc are
// missing or the server does not come up. It never skips.
//
// Inspection goes through knotc (the control socket), not through DNS, so
// tests check certpilot's ldns client against an independent reader.
//
// Destruction (or Stop()) sends SIGTERM (SIGKILL after stop_timeout), reaps
// knotd and removes the temp dir, unless CERTPILOT_KEEP_TEST_DIRS=1. knotd
// also gets SIGTERM if the process that started it dies (PR_SET_PDEATHSIG).
//
// Thread safety: construct, use and destroy on one thread; ReadTxt/SetTxt
// may be called from any thread once construction has returned.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

struct DnsTsigKey {
  std::string name;                       // "certpilot-test."
  std::string algorithm = "hmac-sha256";  // knot's spelling
  std::string secret;                     // base64; "" = generate one
};

// A further zone on the same server (same keys may update it).
struct DnsZoneSpec {
  std::string zone;                  // "delegated.example.net"
  std::vector<std::string> records;  // zone-file lines, as below
};

struct DnsServerOptions {
  std::string zone = "dyn.example.com";
  // Extra zone-file lines, relative to the zone's origin, e.g.
  // R"(_acme-challenge.www TXT "someone-else's")".
  std::vector<std::string> records;
  // Each key may update the zone.
  std::vector<DnsTsigKey> keys = {{"certpilot-test.", "hmac-sha256", ""}};
  // More zones beside `zone` (CNAME delegation from one into another).
  std::vector<DnsZoneSpec> more_zones;
  std::chrono::milliseconds startup_timeout{20000};
  std::chrono::milliseconds stop_timeout{5000};
};

class DnsServerFixture {
 public:
  explicit DnsServerFixture(DnsServerOptions options = {});
  ~DnsServerFixture();
  DnsServerFixture(const DnsServerFixture&) = delete;
  DnsServerFixture& operator=(const DnsServerFixture&) = delete;

  // "127.0.0.1:P" (UDP and TCP).
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // "dyn.example.com" (no trailing dot).
  const std::string& zone() const { return options_.zone; }
  // The keys, secrets filled in.
  const std::vector<DnsTsigKey>& keys() const { return options_.keys; }
  const std::string& temp_dir() const { return dir_.path(); }
  std::string log_path() const { return dir_ / "knotd.log"; }

  // A certbot dns-rfc2136 credentials file for key `key_index`
  // (dns_rfc2136_server/port/name/secret/algorithm, algorithm in certbot's
  // upper-case spelling).
  std::string CredentialsIni(std::size_t key_index = 0) const;

  // The TXT values at `name` (absolute, dot optional) as the server holds
  // them, read through knotc from the zone `name` is in; empty when there are
  // none. Throws on knotc failure.
  std::vector<std::string> ReadTxt(const std::string& name) const;
  // Adds a TXT record through a knotc zone transaction (TTL 60).
  void AddTxt(const std::string& name, const std::string& value) const;

  std::string LogTail(std::size_t max_bytes = 4000) const;

  // Stops knotd and removes the temp dir. Idempotent.
  void Stop();

 private:
  void Start();
  Startup TryStart();  // on a fresh port
  // Runs knotc with the control socket; returns stdout, throws on failure.
  std::string Knotc(const std::vector<std::string>& args) const;
  bool KnotcOk(const std::vector<std::string>& args) const;
  // The served zone `name` falls in (longest match), with a trailing dot.
  std::string ZoneOf(const std::string& name) const;
  std::vector<DnsZoneSpec> Zones() const;

  DnsServerOptions options_;
  TempDir dir_{"certpilot-knot"};
  std::string address_;
  int port_ = 0;
  Daemon knotd_;
  bool stopped_ = false;
};

}  // namespace certpilot::testing
