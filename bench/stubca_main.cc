// certpilot-stubca: an HTTPS ACME CA on 127.0.0.1 that answers ARI
// (RFC 9773 renewalInfo) for every certificate, for bench/run's renew pass at
// scale: Debian's Pebble 2.4 has no renewalInfo. It is the tests' TlsStubCa
// (tests/support/tls_stub_ca.h) with a suggested window far in the future
// (nothing is due) and a Retry-After.
//
//   certpilot-stubca [--advertise-port P] [--window-days D] [--retry-after S]
// --advertise-port: the port its URLs name (a delay proxy's, in front of
// it). Prints shell lines once it listens:
//   CERTPILOT_STUB_DIRECTORY=https://127.0.0.1:P/directory
//   CERTPILOT_STUB_CA_BUNDLE=/tmp/.../stub-ca.pem
//   CERTPILOT_STUB_PORT=N        (where it listens)
//   CERTPILOT_STUB_READY=1
// and serves until SIGTERM or SIGINT; then prints
//   renewal_info_requests=N directory_requests=M
// Bench-only: never installed, never in ctest.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "support/tls_stub_ca.h"

int main(int argc, char** argv) {
  int advertise = 0;
  long window_days = 30, retry_after = 21600;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long v = std::atol(argv[i + 1]);
    if (flag == "--advertise-port" && v > 0 && v < 65536) {
      advertise = int(v);
    } else if (flag == "--window-days" && v > 0) {
      window_days = v;
    } else if (flag == "--retry-after" && v > 0) {
      retry_after = v;
    } else {
      std::cerr << "usage: certpilot-stubca [--advertise-port P] "
                   "[--window-days D] [--retry-after SECONDS]\n";
      return 2;
    }
  }
  if (argc % 2 == 0) return 2;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) return 1;

  certpilot::testing::TlsStubCa stub(advertise);
  const auto now = std::chrono::system_clock::now();
  const auto day = std::chrono::hours(24);
  stub.ca().renewal_window = {now + window_days * day,
                              now + (window_days + 1) * day};
  stub.ca().renewal_retry_after = std::to_string(retry_after);
  std::cout << "CERTPILOT_STUB_DIRECTORY=" << stub.directory_url() << "\n"
            << "CERTPILOT_STUB_CA_BUNDLE=" << stub.ca_bundle() << "\n"
            << "CERTPILOT_STUB_PORT=" << stub.listen_port() << "\n"
            << "CERTPILOT_STUB_READY=1" << std::endl;
  signalfd_siginfo si;
  while (read(sfd, &si, sizeof si) != sizeof si) {
  }
  std::cout << "renewal_info_requests="
            << stub.ca().CountRequests("/renewal-info/")
            << " directory_requests=" << stub.ca().CountRequests("/directory")
            << std::endl;
  return 0;
}
