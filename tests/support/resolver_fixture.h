// ResolverFixture: a recursive resolver — Unbound (Debian package `unbound`)
// — in front of the test's authoritative servers, as a CA has one: it
// follows a CNAME from a zone on one server into a zone on another, which
// an authoritative server alone does not (Knot answers with the CNAME
// only). Pebble resolves through it (PebbleOptions::dns_server) for the
// CNAME delegation tests.
//
// Each zone is a stub zone sent to one loopback server; every other name is
// REFUSED, so nothing is ever asked of a server off this machine (no root
// hints, no priming). Nothing is cached (cache-max-ttl 0): a record changed
// between two orders is seen at once. No DNSSEC validation (module
// "iterator").
//
// Construction writes unbound.conf into a private temp dir, picks a free
// 127.0.0.1 port (UDP and TCP), starts `unbound -d` and polls, with a
// deadline, until TCP connects; a lost race for the port is retried. Throws
// std::runtime_error quoting unbound's log when it is missing or does not
// come up; never skips. Destruction stops it and removes the temp dir.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "support/daemon.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

struct StubZone {
  std::string zone;     // "dyn.example.com"
  std::string address;  // the authoritative server: "127.0.0.1:PORT"
};

class ResolverFixture {
 public:
  explicit ResolverFixture(std::vector<StubZone> zones);
  ~ResolverFixture();
  ResolverFixture(const ResolverFixture&) = delete;
  ResolverFixture& operator=(const ResolverFixture&) = delete;

  // "127.0.0.1:P" (UDP and TCP).
  const std::string& address() const { return address_; }
  std::string LogTail() const { return unbound_.LogTail(); }
  void Stop();

 private:
  Startup TryStart();

  std::vector<StubZone> zones_;
  TempDir dir_{"certpilot-unbound"};
  std::string address_;
  int port_ = 0;
  Daemon unbound_;
  bool stopped_ = false;
};

}  // namespace certpilot::testing
