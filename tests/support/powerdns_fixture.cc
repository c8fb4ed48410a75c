#include "support/powerdns_fixture.h"

#include <openssl/rand.h>

#include <sstream>
#include <stdexcept>

#include "support/free_port.h"
#include "sys/process_runner.h"
#include "util/base64url.h"

namespace certpilot::testing {
namespace {

constexpr const char* kPdnsServer = "/usr/sbin/pdns_server";
constexpr const char* kPdnsutil = "/usr/bin/pdnsutil";
constexpr const char* kSqlite3 = "/usr/bin/sqlite3";
constexpr const char* kSchema =
    "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
constexpr const char* kNotInstalled =
    "PowerDNS is not installed: run ./scripts/deps (it apt-get installs "
    "pdns-server, pdns-backend-sqlite3 and sqlite3)";

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("PowerDnsFixture: " + message);
}

std::string Dotted(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

std::string RandomKey() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) Fail("RAND_bytes failed");
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

}  // namespace

PowerDnsFixture::PowerDnsFixture(std::vector<std::string> zones)
    : zones_(std::move(zones)), api_key_(RandomKey()) {
  StartOrStop(
      [this] {
        RequirePrograms("PowerDnsFixture", {kPdnsServer, kPdnsutil, kSqlite3},
                        kNotInstalled);
        // The database and the zones, before the server starts.
        WriteFileOrThrow(dir_ / "pdns.conf",
                         "launch=gsqlite3\ngsqlite3-database=" +
                             (dir_ / "pdns.sqlite3") + "\n",
                         0600);
        Run({kSqlite3, dir_ / "pdns.sqlite3", std::string(".read ") + kSchema});
        for (const std::string& zone : zones_)
          Run({kPdnsutil, "--config-dir=" + dir_.path(), "create-zone", zone,
               "ns." + Dotted(zone)});
        RetryPortRaces(
            "PowerDnsFixture", "pdns_server", [this] { return TryStart(); },
            [this] { return LogTail(); });
      },
      [this] { Stop(); });
}

PowerDnsFixture::~PowerDnsFixture() { Stop(); }

std::string PowerDnsFixture::Run(const std::vector<std::string>& argv) const {
  sys::ProcessSpec spec;
  spec.argv = argv;
  spec.timeout = std::chrono::seconds(30);
  sys::PosixProcessRunner runner;
  sys::ProcessResult r = runner.Run(spec);
  if (!r.Succeeded()) {
    std::string cmd;
    for (const std::string& a : argv) cmd += a + " ";
    Fail(cmd + r.Describe() + ": " + r.err + r.out);
  }
  return r.out;
}

Startup PowerDnsFixture::TryStart() {
  PortReservation dns, api;
  dns_port_ = dns.Reserve(true);
  api_port_ = api.Reserve();
  dns_address_ = "127.0.0.1:" + std::to_string(dns_port_);
  api_url_ = "http://127.0.0.1:" + std::to_string(api_port_);
  const std::string conf =
      "launch=gsqlite3\n"
      "gsqlite3-database=" +
      (dir_ / "pdns.sqlite3") +
      "\n"
      "local-address=127.0.0.1\n"
      "local-port=" +
      std::to_string(dns_port_) +
      "\n"
      "api=yes\n"
      "api-key=" +
      api_key_ +
      "\n"
      "webserver=yes\n"
      "webserver-address=127.0.0.1\n"
      "webserver-port=" +
      std::to_string(api_port_) +
      "\n"
      "webserver-allow-from=127.0.0.0/8\n"
      "socket-dir=" +
      dir_.path() +
      "\n"
      "guardian=no\n"
      "daemon=no\n"
      "disable-syslog=yes\n"
      "write-pid=no\n"
      "loglevel=4\n"
      // Every cache off: a record changed through the API is answered at
      // once, also on the second order of a renew.
      "cache-ttl=0\n"
      "negquery-cache-ttl=0\n"
      "query-cache-ttl=0\n"
      "zone-cache-refresh-interval=0\n";
  WriteFileOrThrow(dir_ / "pdns.conf", conf, 0600);
  dns.Release();
  api.Release();
  pdns_.Start({.name = "pdns_server",
               .argv = {kPdnsServer, "--config-dir=" + dir_.path()},
               .log_path = dir_ / "pdns.log"});
  Readiness readiness;
  readiness.owner = "PowerDnsFixture";
  readiness.ready = [this] {
    return TcpConnects(dns_port_) && TcpConnects(api_port_);
  };
  readiness.missing = [this] {
    return "DNS " + dns_address_ + ", API " + api_url_;
  };
  return AwaitReady({&pdns_}, readiness);
}

std::string PowerDnsFixture::CredentialsIni() const {
  return "# certbot-dns-powerdns credentials for the test server\n"
         "dns_powerdns_api_url = " +
         api_url_ + "\ndns_powerdns_api_key = " + api_key_ + "\n";
}

std::vector<std::string> PowerDnsFixture::ReadTxt(
    const std::string& zone, const std::string& name) const {
  // list-zone prints zone-file lines: "owner. TTL IN TXT \"value\"".
  const std::string out =
      Run({kPdnsutil, "--config-dir=" + dir_.path(), "list-zone", zone});
  std::vector<std::string> values;
  std::istringstream lines(out);
  std::string line;
  const std::string owner = Dotted(name);
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string first, ttl, cls, type;
    fields >> first >> ttl >> cls >> type;
    if (first != owner || type != "TXT") continue;
    std::string rest;
    std::getline(fields, rest);
    std::string value;
    bool quoted = false;
    for (char c : rest) {
      if (c == '"')
        quoted = !quoted;
      else if (quoted)
        value += c;
    }
    values.push_back(value);
  }
  return values;
}

void PowerDnsFixture::AddRecord(const std::string& zone,
                                const std::string& name,
                                const std::string& type,
                                const std::string& content) const {
  Run({kPdnsutil, "--config-dir=" + dir_.path(), "add-record", zone, name, type,
       "60", content});
}

void PowerDnsFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  pdns_.Stop();
  dir_.Remove();
}

}  // namespace certpilot::testing
