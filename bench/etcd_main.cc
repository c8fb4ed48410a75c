// certpilot-bench-etcd: a real etcd cluster on loopback for bench/run's
// fleet section. It is the tests' EtcdCluster (tests/support/etcd_cluster.h:
// Debian's etcd 3.4, TLS on every member, no client certificate required),
// started once and kept until SIGTERM or SIGINT.
//
//   certpilot-bench-etcd [--members N]
// Prints shell lines once every member is healthy:
//   CERTPILOT_ETCD_ENDPOINTS=https://127.0.0.1:P1,https://127.0.0.1:P2,...
//   CERTPILOT_ETCD_CACERT=/tmp/.../ca.pem
//   CERTPILOT_ETCD_READY=1
// and removes the members and their data when stopped.
// Bench-only: never installed, never in ctest.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "support/etcd_cluster.h"

int main(int argc, char** argv) {
  certpilot::testing::EtcdClusterOptions options;
  if (argc == 3 && std::string(argv[1]) == "--members" &&
      std::atoi(argv[2]) > 0) {
    options.members = std::atoi(argv[2]);
  } else if (argc != 1) {
    std::cerr << "usage: certpilot-bench-etcd [--members N]\n";
    return 2;
  }
  // Signals are read from a signalfd, so the cluster's destructor runs
  // (and stops every member) however the bench ends us.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) return 1;
  try {
    certpilot::testing::EtcdCluster cluster(options);
    std::string endpoints;
    for (const std::string& e : cluster.endpoints()) {
      endpoints += (endpoints.empty() ? "" : ",") + e;
    }
    std::cout << "CERTPILOT_ETCD_ENDPOINTS=" << endpoints << "\n"
              << "CERTPILOT_ETCD_CACERT=" << cluster.ca_file() << "\n"
              << "CERTPILOT_ETCD_READY=1" << std::endl;
    signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) != sizeof si) {
    }
  } catch (const std::exception& e) {
    std::cerr << "certpilot-bench-etcd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
