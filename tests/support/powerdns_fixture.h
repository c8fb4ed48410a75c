// PowerDnsFixture: a real PowerDNS Authoritative server (Debian packages
// `pdns-server` + `pdns-backend-sqlite3`) with its HTTP API, for the
// dns-powerdns provider tests, on free loopback ports (DNS on UDP+TCP, the
// API's webserver on TCP).
//
// Construction:
//   - a private temp dir holds pdns.conf, the sqlite3 database (created from
//     Debian's schema with the sqlite3 program), the control socket and the
//     log; nothing outside it is touched;
//   - each zone is created with pdnsutil (SOA + NS), before the server
//     starts;
//   - a random API key; every cache is off, so a record changed through the
//     API is answered at once;
//   - `pdns_server --config-dir DIR` runs in the foreground; polled, with a
//     deadline and no fixed sleeps, until its DNS and API ports connect. A
//     lost race for a port is retried with new ones.
// Throws std::runtime_error quoting the log when a program is missing or the
// server does not come up; never skips.
//
// Inspection goes through pdnsutil (the database), not the API under test.
// Destruction stops the server and removes the temp dir.
#pragma once

#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

class PowerDnsFixture {
 public:
  explicit PowerDnsFixture(std::vector<std::string> zones);
  ~PowerDnsFixture();
  PowerDnsFixture(const PowerDnsFixture&) = delete;
  PowerDnsFixture& operator=(const PowerDnsFixture&) = delete;

  // "127.0.0.1:P": the DNS server (UDP and TCP).
  const std::string& dns_address() const { return dns_address_; }
  // "http://127.0.0.1:P" (the API's base, without /api/v1).
  const std::string& api_url() const { return api_url_; }
  const std::string& api_key() const { return api_key_; }
  // certbot-dns-powerdns's credentials file for this server.
  std::string CredentialsIni() const;
  // The TXT values at `name` (absolute, dot optional) in `zone`, unquoted,
  // read with pdnsutil; empty when none.
  std::vector<std::string> ReadTxt(const std::string& zone,
                                   const std::string& name) const;
  // Adds a record with pdnsutil: AddRecord("example.com", "www", "A",
  // "127.0.0.1").
  void AddRecord(const std::string& zone, const std::string& name,
                 const std::string& type, const std::string& content) const;
  std::string LogTail() const { return pdns_.LogTail(); }
  void Stop();

 private:
  Startup TryStart();
  std::string Run(const std::vector<std::string>& argv) const;

  std::vector<std::string> zones_;
  TempDir dir_{"certpilot-pdns"};
  std::string dns_address_, api_url_, api_key_;
  int dns_port_ = 0, api_port_ = 0;
  Daemon pdns_;
  bool stopped_ = false;
};

}  // namespace certpilot::testing
