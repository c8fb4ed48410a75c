// certpilot-testca: runs a PebbleFixture (Pebble + pebble-challtestsrv on
// free loopback ports) for scripts/quickstart, bench and manual testing.
//
// Prints shell-sourceable lines to stdout once Pebble answers:
//   CERTPILOT_TEST_DIRECTORY=https://127.0.0.1:P/dir
//   CERTPILOT_TEST_CA_BUNDLE=/tmp/certpilot-pebble-XXXXXX/listener-ca.pem
//   CERTPILOT_TEST_HTTP_PORT=N
//   CERTPILOT_TEST_TLS_PORT=N
//   CERTPILOT_TEST_MANAGEMENT=https://127.0.0.1:M
//   CERTPILOT_TEST_CHALLTESTSRV=http://127.0.0.1:C
//   CERTPILOT_TEST_DNS=127.0.0.1:D   (challtestsrv's mock DNS, UDP+TCP)
//   CERTPILOT_TEST_ROOTS=/tmp/certpilot-pebble-XXXXXX/roots.pem
//   CERTPILOT_TEST_READY=1
// then runs until its standard input reaches end of file (or --no-stdin) or
// it gets SIGTERM, SIGINT or SIGHUP, and stops Pebble cleanly.
// Exit status: 0 after a clean stop, 1 when Pebble could not start, 2 for
// bad flags.

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "support/pebble_fixture.h"

namespace {

constexpr const char* kUsage =
    "usage: certpilot-testca [--validity SECONDS] [--nonce-reject PCT]\n"
    "                        [--authz-reuse PCT] [--eab KID=B64URLKEY]...\n"
    "                        [--strict] [--no-stdin]\n"
    "Starts Pebble and pebble-challtestsrv on free 127.0.0.1 ports, prints\n"
    "CERTPILOT_TEST_*=... lines, and runs until stdin closes (or until\n"
    "SIGTERM/SIGINT with --no-stdin).\n";

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "certpilot-testca: " << message << "\n" << kUsage;
  std::exit(2);
}

long ParseNumber(const std::string& flag, const std::string& value, long min,
                 long max) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || n < min || n > max) {
    UsageError(flag + " wants a number in [" + std::to_string(min) + ", " +
               std::to_string(max) + "], got \"" + value + "\"");
  }
  return n;
}

// Quotes for POSIX sh when needed (paths from mkdtemp never need it).
std::string ShellQuote(const std::string& s) {
  if (s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          "0123456789/:._-+,=@") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  certpilot::testing::PebbleOptions options;
  bool watch_stdin = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--validity") {
      options.certificate_validity_seconds =
          ParseNumber(arg, value(), 1, 100L * 365 * 24 * 3600);
    } else if (arg == "--nonce-reject") {
      options.nonce_reject_percent =
          static_cast<int>(ParseNumber(arg, value(), 0, 100));
    } else if (arg == "--authz-reuse") {
      options.authz_reuse_percent =
          static_cast<int>(ParseNumber(arg, value(), 0, 100));
    } else if (arg == "--eab") {
      const std::string kv = value();
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
        UsageError("--eab wants KID=KEY, got \"" + kv + "\"");
      }
      options.eab_required = true;
      options.eab_keys[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (arg == "--strict") {
      options.strict = true;
    } else if (arg == "--no-stdin") {
      watch_stdin = false;
    } else {
      UsageError("unknown argument \"" + arg + "\"");
    }
  }

  // Block the stop signals before any child exists; they are read through a
  // signalfd below. (PebbleFixture's children unblock them before exec.)
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    std::perror("certpilot-testca: sigprocmask");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("certpilot-testca: signalfd");
    return 1;
  }

  try {
    certpilot::testing::PebbleFixture pebble(options);
    const std::string roots_path = pebble.temp_dir() + "/roots.pem";
    {
      std::ofstream roots(roots_path, std::ios::binary | std::ios::trunc);
      roots << pebble.RootsPem();
      if (!roots.flush()) {
        std::cerr << "certpilot-testca: cannot write " << roots_path << "\n";
        return 1;
      }
    }
    std::cout << "CERTPILOT_TEST_DIRECTORY="
              << ShellQuote(pebble.directory_url())
              << "\nCERTPILOT_TEST_CA_BUNDLE="
              << ShellQuote(pebble.ca_bundle_path())
              << "\nCERTPILOT_TEST_HTTP_PORT=" << pebble.http_port()
              << "\nCERTPILOT_TEST_TLS_PORT=" << pebble.tls_port()
              << "\nCERTPILOT_TEST_MANAGEMENT="
              << ShellQuote(pebble.management_url())
              << "\nCERTPILOT_TEST_CHALLTESTSRV="
              << ShellQuote(pebble.challtestsrv_management_url())
              << "\nCERTPILOT_TEST_DNS=" << ShellQuote(pebble.dns_address())
              << "\nCERTPILOT_TEST_ROOTS=" << ShellQuote(roots_path)
              << "\nCERTPILOT_TEST_READY=1" << std::endl;  // flushes
    if (!std::cout) {
      std::cerr << "certpilot-testca: stdout is closed; stopping\n";
      return 1;
    }

    std::string reason;
    while (reason.empty()) {
      pollfd fds[2] = {{signal_fd, POLLIN, 0}, {0, POLLIN, 0}};
      const int n = poll(fds, watch_stdin ? 2 : 1, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        reason = std::string("poll: ") + std::strerror(errno);
        break;
      }
      if (fds[0].revents & POLLIN) {
        signalfd_siginfo info;
        if (read(signal_fd, &info, sizeof info) == sizeof info) {
          reason =
              std::string("got ") + strsignal(static_cast<int>(info.ssi_signo));
        }
      }
      if (watch_stdin && fds[1].revents != 0) {
        char buf[4096];
        const ssize_t r = read(0, buf, sizeof buf);
        if (r == 0) {
          reason = "stdin closed";
        } else if (r < 0 && errno != EINTR && errno != EAGAIN) {
          reason = std::string("reading stdin: ") + std::strerror(errno);
        }
        // Data on stdin is ignored.
      }
    }
    std::cerr << "certpilot-testca: " << reason << ", stopping pebble\n";
    pebble.Stop();
  } catch (const std::exception& e) {
    std::cerr << "certpilot-testca: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
