#include "support/dns_server_fixture.h"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "support/free_port.h"
#include "sys/process_runner.h"
#include "util/base64url.h"

namespace certpilot::testing {
namespace {

constexpr const char* kKnotd = "/usr/sbin/knotd";
constexpr const char* kKnotc = "/usr/sbin/knotc";
constexpr const char* kNotInstalled =
    "Knot DNS is not installed: run ./scripts/deps (it apt-get installs knot)";

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("DnsServerFixture: " + message);
}

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string RandomSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) Fail("RAND_bytes failed");
  return Base64Encode(
      std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string Fqdn(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

std::string CertbotAlgorithm(std::string knot) {
  for (char& c : knot)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return knot;
}

// The strings of the TXT records in `knotc zone-read` output:
//   [zone.] owner. 60 TXT "a" "b"
std::vector<std::string> ParseZoneReadTxt(const std::string& out) {
  std::vector<std::string> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find(" TXT ");
    if (at == std::string::npos) continue;
    std::string value;
    bool quoted = false;
    for (size_t i = at + 5; i < line.size(); ++i) {
      char c = line[i];
      if (c == '"') {
        quoted = !quoted;
      } else if (quoted && c == '\\' && i + 1 < line.size()) {
        value += line[++i];
      } else if (quoted) {
        value += c;
      }
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace

DnsServerFixture::DnsServerFixture(DnsServerOptions options)
    : options_(std::move(options)) {
  StartOrStop([this] { Start(); }, [this] { Stop(); });
}

DnsServerFixture::~DnsServerFixture() { Stop(); }

void DnsServerFixture::Start() {
  RequirePrograms("DnsServerFixture", {kKnotd, kKnotc}, kNotInstalled);
  for (const char* sub : {"/run", "/db", "/zones"}) {
    if (::mkdir((temp_dir() + sub).c_str(), 0700) != 0)
      Fail(Errno("mkdir " + temp_dir() + sub));
  }
  for (DnsTsigKey& key : options_.keys) {
    key.name = Fqdn(key.name);
    if (key.secret.empty()) key.secret = RandomSecret();
  }

  for (const DnsZoneSpec& spec : Zones()) {
    const std::string origin = Fqdn(spec.zone);
    std::string zone = "$ORIGIN " + origin + "\n$TTL 60\n@ SOA ns." + origin +
                       " hostmaster." + origin +
                       " 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n";
    for (const std::string& r : spec.records) zone += r + "\n";
    WriteFileOrThrow(dir_ / ("zones/" + origin + "zone"), zone);
  }

  RetryPortRaces(
      "DnsServerFixture", "knotd", [this] { return TryStart(); },
      [this] { return LogTail(); });
}

Startup DnsServerFixture::TryStart() {
  PortReservation reservation;
  port_ = reservation.Reserve(true);
  address_ = "127.0.0.1:" + std::to_string(port_);

  const std::string dir = temp_dir();
  std::string conf =
      "server:\n"
      "    rundir: \"" +
      dir +
      "/run\"\n"
      "    pidfile: \"" +
      dir +
      "/run/knotd.pid\"\n"
      "    listen: 127.0.0.1@" +
      std::to_string(port_) +
      "\n"
      "    udp-workers: 1\n"
      "    tcp-workers: 1\n"
      "    background-workers: 1\n"
      "log:\n"
      "  - target: stderr\n"
      "    any: info\n"
      "database:\n"
      "    storage: \"" +
      dir + "/db\"\n";
  if (!options_.keys.empty()) {
    conf += "key:\n";
    for (const DnsTsigKey& k : options_.keys) {
      conf += "  - id: " + k.name + "\n    algorithm: " + k.algorithm +
              "\n    secret: " + k.secret + "\n";
    }
    conf += "acl:\n  - id: certpilot-update\n    action: update\n    key: [";
    for (size_t i = 0; i < options_.keys.size(); ++i)
      conf += (i ? ", " : "") + options_.keys[i].name;
    conf += "]\n";
  }
  conf +=
      "template:\n"
      "  - id: default\n"
      "    storage: \"" +
      dir +
      "/zones\"\n"
      "    file: \"%s.zone\"\n"
      "    zonefile-sync: -1\n"
      "    journal-content: none\n"
      "zone:\n";
  for (const DnsZoneSpec& spec : Zones()) {
    conf += "  - domain: " + Fqdn(spec.zone) + "\n";
    if (!options_.keys.empty()) conf += "    acl: certpilot-update\n";
  }
  WriteFileOrThrow(dir + "/knot.conf", conf, 0600);

  reservation.Release();  // just before knotd binds it
  knotd_.Start({.name = "knotd",
                .argv = {kKnotd, "-c", dir + "/knot.conf"},
                .log_path = log_path(),
                .stop_timeout = options_.stop_timeout});
  Readiness readiness;
  readiness.owner = "DnsServerFixture";
  readiness.timeout = options_.startup_timeout;
  readiness.ready = [this] {
    if (!TcpConnects(port_)) return false;
    for (const DnsZoneSpec& spec : Zones())
      if (!KnotcOk({"zone-read", Fqdn(spec.zone), "@", "SOA"})) return false;
    return true;
  };
  readiness.missing = [this] { return "on " + address_; };
  return AwaitReady({&knotd_}, readiness);
}

std::string DnsServerFixture::Knotc(
    const std::vector<std::string>& args) const {
  sys::ProcessSpec spec;
  spec.argv = {kKnotc, "-s", temp_dir() + "/run/knot.sock", "-t", "5"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = std::chrono::seconds(15);
  sys::PosixProcessRunner runner;
  sys::ProcessResult r = runner.Run(spec);
  if (!r.Succeeded()) {
    std::string cmd;
    for (const std::string& a : spec.argv) cmd += a + " ";
    Fail(cmd + r.Describe() + ": " + r.err + r.out);
  }
  return r.out;
}

bool DnsServerFixture::KnotcOk(const std::vector<std::string>& args) const {
  try {
    Knotc(args);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

std::string DnsServerFixture::CredentialsIni(std::size_t key_index) const {
  const DnsTsigKey& k = options_.keys.at(key_index);
  return "# certbot dns-rfc2136 credentials for the test server\n"
         "dns_rfc2136_server = 127.0.0.1\n"
         "dns_rfc2136_port = " +
         std::to_string(port_) +
         "\n"
         "dns_rfc2136_name = " +
         k.name +
         "\n"
         "dns_rfc2136_secret = " +
         k.secret +
         "\n"
         "dns_rfc2136_algorithm = " +
         CertbotAlgorithm(k.algorithm) + "\n";
}

std::vector<std::string> DnsServerFixture::ReadTxt(
    const std::string& name) const {
  // zone-read of a name without records fails ("no such record in zone").
  sys::ProcessSpec spec;
  spec.argv = {kKnotc,       "-s",       temp_dir() + "/run/knot.sock",
               "-t",         "5",        "zone-read",
               ZoneOf(name), Fqdn(name), "TXT"};
  spec.timeout = std::chrono::seconds(15);
  sys::PosixProcessRunner runner;
  sys::ProcessResult r = runner.Run(spec);
  if (!r.Succeeded()) {
    if ((r.err + r.out).find("no such") != std::string::npos) return {};
    Fail("knotc zone-read " + name + " " + r.Describe() + ": " + r.err + r.out);
  }
  return ParseZoneReadTxt(r.out);
}

std::vector<DnsZoneSpec> DnsServerFixture::Zones() const {
  std::vector<DnsZoneSpec> zones = {{options_.zone, options_.records}};
  zones.insert(zones.end(), options_.more_zones.begin(),
               options_.more_zones.end());
  return zones;
}

std::string DnsServerFixture::ZoneOf(const std::string& name) const {
  const std::string fqdn = "." + Fqdn(name);
  std::string best;
  for (const DnsZoneSpec& spec : Zones()) {
    const std::string zone = Fqdn(spec.zone);
    const std::string suffix = "." + zone;
    if (fqdn.size() >= suffix.size() &&
        fqdn.compare(fqdn.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        zone.size() > best.size())
      best = zone;
  }
  if (best.empty()) Fail(name + " is in none of the server's zones");
  return best;
}

void DnsServerFixture::AddTxt(const std::string& name,
                              const std::string& value) const {
  const std::string zone = ZoneOf(name);
  Knotc({"zone-begin", zone});
  try {
    Knotc({"zone-set", zone, Fqdn(name), "60", "TXT", "\"" + value + "\""});
    Knotc({"zone-commit", zone});
  } catch (...) {
    KnotcOk({"zone-abort", zone});
    throw;
  }
}

std::string DnsServerFixture::LogTail(std::size_t max_bytes) const {
  return "--- " + log_path() + " ---\n" + ReadTail(log_path(), max_bytes);
}

void DnsServerFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  knotd_.Stop();
  dir_.Remove();
}

}  // namespace certpilot::testing
