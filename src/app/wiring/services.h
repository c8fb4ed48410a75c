// The seams a use case runs on: the real ones in main, fakes in tests.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>

#include "app/types/options.h"
#include "app/wiring/prompter.h"
#include "http/http_client.h"
#include "sys/filesystem.h"
#include "sys/process_runner.h"
#include "util/clock.h"

namespace certpilot::http {
class CurlPreload;
}  // namespace certpilot::http

namespace certpilot::app {

struct Services {
  sys::Filesystem& fs;
  Clock& clock;
  Prompter& prompter;
  // One HttpClient per thread that talks to the CA.
  std::function<std::unique_ptr<http::HttpClient>(const CommonOptions&)>
      make_http;
  // Where results go (stdout); progress and errors go to the log (stderr).
  std::ostream& out;
  // Hooks, nginx.
  sys::ProcessRunner& runner;
  // Uniform in [0, 1): jitter and ARI's random point in a window.
  std::function<double()> random;
  // stdin is a terminal (renew's random sleep happens only off a terminal).
  bool on_terminal = false;
  // Fleet mode (issue #17): the HttpClient of one etcd connection
  // (fleet_connection.h's ConnectFleet). Unset: libcurl with the --fleet-*
  // TLS options; tests hand out clients of an in-memory etcd.
  std::function<std::unique_ptr<http::HttpClient>(const FleetOptions&)>
      make_fleet_http = nullptr;
};

// The real seams for one run of the command: POSIX filesystem, system
// clock, the terminal, libcurl, stdout.
class ProductionServices {
 public:
  // `preload_curl`: load libcurl on a thread meanwhile (http::CurlPreload),
  // for a command that will talk to a CA.
  explicit ProductionServices(const CommonOptions& options,
                              bool preload_curl = false);
  ~ProductionServices();
  ProductionServices(const ProductionServices&) = delete;
  ProductionServices& operator=(const ProductionServices&) = delete;
  Services& services() { return services_; }

 private:
  sys::PosixFilesystem fs_;
  sys::PosixProcessRunner runner_;
  SystemClock clock_;
  TerminalPrompter prompter_;
  Services services_;
  std::unique_ptr<http::CurlPreload> curl_preload_;
};

// The User-Agent of every ACME request: --user-agent, else
// "certpilot/VERSION" with " (--user-agent-comment)" if one was given.
// Control characters are dropped (a header is one line).
std::string AcmeUserAgent(const CommonOptions& options);
// The run's trust store: --ca-bundle, else $CERTPILOT_CA_BUNDLE, else ""
// (the system store). The CA and the DNS provider APIs use it.
std::string CaBundle(const CommonOptions& options);

// The production HttpClient: libcurl, TLS verified against --ca-bundle,
// $CERTPILOT_CA_BUNDLE or the system store.
std::unique_ptr<http::HttpClient> MakeCurlHttpClient(
    const CommonOptions& options);

}  // namespace certpilot::app
