// Loopback ports for fixtures and tests.
//
// FreeLoopbackPort: a TCP port on 127.0.0.1 that nobody listened on a moment
// ago (bound to port 0, read back, released). Good enough for tests; the
// kernel does not hand the same ephemeral port out again at once.
//
// PortReservation: such a port held (bound) until Release(), so the ports a
// fixture picks differ from each other, released just before its daemon
// binds them. Another process can still take one in between: fixtures
// retry with new ports (see support/daemon.h).
//
// Failures to bind throw std::runtime_error. Thread-safe.
#pragma once

namespace certpilot::testing {

int FreeLoopbackPort();

class PortReservation {
 public:
  PortReservation() = default;
  ~PortReservation() { Release(); }
  PortReservation(const PortReservation &) = delete;
  PortReservation &operator=(const PortReservation &) = delete;

  // Binds a TCP socket to an ephemeral port; with `also_udp`, one whose
  // number is free for UDP too (a DNS server needs both).
  int Reserve(bool also_udp = false);
  void Release();

 private:
  int tcp_fd_ = -1;
  int udp_fd_ = -1;
};

// A TCP connect to 127.0.0.1:port succeeds (something listens).
bool TcpConnects(int port);

}  // namespace certpilot::testing
