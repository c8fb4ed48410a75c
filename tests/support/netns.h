// NetnsNetwork: a private test network of N network namespaces ("nodes")
// that the test creates, for the fleet failure tests (issue #17): each
// node is a namespace of its own, joined by a veth pair to one bridge in
// this (the host's) namespace, so that processes started in a node reach
// the host's daemons (etcd, Pebble) at host_address(), the host reaches
// each node at node_address(i) (Pebble's validation), and nodes reach each
// other across the bridge (the renewer's self-check). Taking a node's link
// down (SetLinkUp(i, false)) partitions it from everything.
//
// Addresses: one /24 of 10.231.0.0/16 per network, 10.231.S.0/24, where S
// is a slot leased to this process by a flock on
// $TMPDIR/certpilot-test-netns/S (test processes running at once never
// share one). The bridge has 10.231.S.1; node i has 10.231.S.(10+i). Only
// that /24 is routed, and only over the bridge: no default route in a node,
// nothing is ever forwarded anywhere else.
//
// Names: namespaces "certpilot-S-PID-i", the bridge "cpbS", veths "cphS-i"
// (host side) and "cpnS-i" (node side). Leftovers of crashed runs
// (namespaces, bridge, veths of a slot whose flock no process holds: it
// went with its process) are removed by the constructor; the destructor
// removes what it made.
//
// Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and `ip` from iproute2
// (scripts/deps). Construction throws std::runtime_error, quoting `ip`'s
// message, when a namespace cannot be made: the tests then FAIL, never
// skip. Use from one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/run_binary.h"

namespace certpilot::testing {

class NetnsNetwork {
 public:
  explicit NetnsNetwork(int nodes = 3);
  ~NetnsNetwork();
  NetnsNetwork(const NetnsNetwork&) = delete;
  NetnsNetwork& operator=(const NetnsNetwork&) = delete;

  int nodes() const { return nodes_; }
  // The bridge's address, in the host's namespace: "10.231.S.1".
  std::string host_address() const;
  // Node i's address inside its namespace: "10.231.S.(10+i)".
  std::string node_address(int i) const;
  // Node i's namespace name, for `ip netns exec`.
  std::string namespace_name(int i) const;

  // `argv` run inside node i's namespace: `ip netns exec NAME argv...`
  // (ip execs argv itself, so the pid of a process started with it is
  // argv[0]'s: signals reach it directly).
  std::vector<std::string> InNode(int i,
                                  const std::vector<std::string>& argv) const;
  // Runs `argv` inside node i's namespace and waits for it.
  RunResult Run(int i, const std::vector<std::string>& argv,
                const std::map<std::string, std::string>& env = {}) const;

  // Node i's link (the host's end of its veth) up or down. Throws when `ip`
  // fails.
  void SetLinkUp(int i, bool up);

 private:
  void Create();

  int nodes_;
  int slot_ = -1;
  int slot_fd_ = -1;
};

}  // namespace certpilot::testing
