// Loopback ports for fixtures and tests that no other test process and no
// outgoing connection can take in the meantime.
//
// FreeLoopbackPort: a port below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by default), so the
// kernel never hands it out as the source port of an outgoing connection or
// to a bind() to port 0. It is leased to this process by a flock on
// $TMPDIR/certpilot-test-ports/PORT, held until the process exits, so test
// processes running at the same time never get the same port, and within
// one process every call returns a different one. It was free to bind (TCP,
// and UDP with `udp_too`) when it was returned.
//
// PortReservation: such a port also held bound until Release(), released
// just before a daemon binds it.
//
// Failures throw std::runtime_error. Thread-safe.
#pragma once

namespace certpilot::testing {

int FreeLoopbackPort(bool udp_too = false);

class PortReservation {
 public:
  PortReservation() = default;
  ~PortReservation() { Release(); }
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;

  // Leases a port and binds a TCP socket to it; with `also_udp`, a UDP
  // socket too (a DNS server needs both).
  int Reserve(bool also_udp = false);
  void Release();

 private:
  int tcp_fd_ = -1;
  int udp_fd_ = -1;
};

// A TCP connect to 127.0.0.1:port succeeds (something listens).
bool TcpConnects(int port);

}  // namespace certpilot::testing
