// Loopback ports for test daemons and responders that no other test process
// and no outgoing connection can take in the meantime.
//
// A port comes from below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by default), so the
// kernel never hands it out as the source port of an outgoing connection or
// to a bind() to port 0. It is leased to this process by a flock on
// $TMPDIR/certpilot-test-ports/PORT, held until the process exits (children
// started later do not inherit it), so concurrently running test processes
// never get the same port; within one process every call returns a
// different port. It was free to bind (TCP, and UDP with `udp_too`) when it
// was returned. Thread-safe.
#pragma once

namespace certpilot::testing {

// Throws std::runtime_error when no port can be leased.
int FreeLoopbackPort(bool udp_too = false);

}  // namespace certpilot::testing
