// certpilot-bench-responder: the standalone HTTP-01 responder
// (solvers::Http01Responder) on its own, serving one known token, so that
// bench/run can load it with wrk. Bench-only; not installed.
//
//   certpilot-bench-responder [--address IP] [--port N] [--token T]
//                             [--key-authorization KA] [--max-connections N]
//
// Defaults: 127.0.0.1, an ephemeral port, token "bench-token", key
// authorization "bench-token.thumbprint", the responder's own
// max_connections (the value certonly and renew run with). Prints
// "PORT=<n>" on stdout once listening, serves until SIGTERM or SIGINT, then
// prints "REQUESTS=<n>" (requests answered) and exits 0. Exit status 1 when
// the responder cannot start, 2 for bad flags.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "solvers/http01_responder.h"

namespace {

constexpr const char* kUsage =
    "usage: certpilot-bench-responder [--address IP] [--port N] [--token T]\n"
    "                                 [--key-authorization KA] "
    "[--max-connections N]\n";

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "certpilot-bench-responder: " << message << "\n" << kUsage;
  std::exit(2);
}

int Number(const std::string& flag, const std::string& value, int min,
           int max) {
  char* end = nullptr;
  long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < min || n > max)
    Usage(flag + " wants a number in [" + std::to_string(min) + ", " +
          std::to_string(max) + "]");
  return static_cast<int>(n);
}

}  // namespace

int main(int argc, char** argv) {
  certpilot::solvers::Http01ResponderOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  std::string token = "bench-token";
  std::string key_authorization = token + ".thumbprint";
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--address")
      options.address = value;
    else if (flag == "--port")
      options.port = Number(flag, value, 0, 65535);
    else if (flag == "--token")
      token = value;
    else if (flag == "--key-authorization")
      key_authorization = value;
    else if (flag == "--max-connections")
      options.max_connections = Number(flag, value, 1, 1 << 20);
    else
      Usage("unknown flag " + flag);
  }

  // Block the stop signals before Start() so the serving thread inherits the
  // mask and sigwait() below is the only place they are taken.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  certpilot::solvers::Http01Responder responder(options);
  try {
    responder.Start();
  } catch (const certpilot::solvers::ResponderError& e) {
    std::cerr << "certpilot-bench-responder: " << e.what() << "\n";
    return 1;
  }
  responder.Add(token, key_authorization);
  std::cout << "PORT=" << responder.port() << std::endl;

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  responder.Stop();
  std::cout << "REQUESTS=" << responder.requests_served() << std::endl;
  return 0;
}
