#include "support/resolver_fixture.h"

#include "support/free_port.h"

namespace certpilot::testing {
namespace {

constexpr const char* kUnbound = "/usr/sbin/unbound";
constexpr const char* kNotInstalled =
    "Unbound is not installed: run ./scripts/deps (it apt-get installs "
    "unbound)";

// "127.0.0.1:53" → "127.0.0.1@53", Unbound's spelling.
std::string UnboundAddress(const std::string& address) {
  std::string out = address;
  size_t colon = out.rfind(':');
  if (colon != std::string::npos) out[colon] = '@';
  return out;
}

std::string Dotted(std::string zone) {
  if (zone.empty() || zone.back() != '.') zone += '.';
  return zone;
}

}  // namespace

ResolverFixture::ResolverFixture(std::vector<StubZone> zones)
    : zones_(std::move(zones)) {
  StartOrStop(
      [this] {
        RequirePrograms("ResolverFixture", {kUnbound}, kNotInstalled);
        RetryPortRaces(
            "ResolverFixture", "unbound", [this] { return TryStart(); },
            [this] { return LogTail(); });
      },
      [this] { Stop(); });
}

ResolverFixture::~ResolverFixture() { Stop(); }

Startup ResolverFixture::TryStart() {
  PortReservation reservation;
  port_ = reservation.Reserve(true);
  address_ = "127.0.0.1:" + std::to_string(port_);
  std::string conf =
      "server:\n"
      "    interface: 127.0.0.1\n"
      "    port: " +
      std::to_string(port_) +
      "\n"
      "    do-daemonize: no\n"
      "    username: \"\"\n"
      "    chroot: \"\"\n"
      "    directory: \"" +
      dir_.path() +
      "\"\n"
      "    pidfile: \"\"\n"
      "    use-syslog: no\n"
      "    logfile: \"\"\n"
      "    verbosity: 1\n"
      "    num-threads: 1\n"
      "    do-ip6: no\n"
      "    do-not-query-localhost: no\n"
      "    module-config: \"iterator\"\n"
      "    cache-max-ttl: 0\n"
      "    cache-max-negative-ttl: 0\n"
      "    access-control: 127.0.0.0/8 allow\n"
      "    root-hints: \"\"\n"
      "    local-zone: \".\" refuse\n";
  for (const StubZone& z : zones_)
    conf += "    local-zone: \"" + Dotted(z.zone) + "\" transparent\n";
  for (const StubZone& z : zones_) {
    conf += "stub-zone:\n    name: \"" + Dotted(z.zone) +
            "\"\n    stub-addr: " + UnboundAddress(z.address) + "\n";
  }
  conf += "remote-control:\n    control-enable: no\n";
  const std::string conf_path = dir_ / "unbound.conf";
  WriteFileOrThrow(conf_path, conf, 0600);

  reservation.Release();  // just before unbound binds it
  unbound_.Start({.name = "unbound",
                  .argv = {kUnbound, "-d", "-c", conf_path},
                  .log_path = dir_ / "unbound.log"});
  Readiness readiness;
  readiness.owner = "ResolverFixture";
  readiness.ready = [this] { return TcpConnects(port_); };
  readiness.missing = [this] { return "on " + address_; };
  return AwaitReady({&unbound_}, readiness);
}

void ResolverFixture::Stop() {
  if (stopped_) return;
  stopped_ = true;
  unbound_.Stop();
  dir_.Remove();
}

}  // namespace certpilot::testing
