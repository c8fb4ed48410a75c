#include "app/wiring/services.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>

#include "http/curl_http_client.h"
#include "http/logging_http_client.h"
#include "sys/host.h"
#include "util/strings.h"

namespace certpilot::app {

namespace {

double Uniform01() {
  static std::mutex mu;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

ProductionServices::ProductionServices(const CommonOptions& options,
                                       bool preload_curl)
    : prompter_(options.non_interactive),
      services_{fs_,       clock_,  prompter_, MakeCurlHttpClient,
                std::cout, runner_, Uniform01, isatty(STDIN_FILENO) == 1} {
  // Room for the responders' connections (Http01ResponderOptions::
  // max_connections) beside everything else the run opens.
  sys::RaiseOpenFileLimit(16384);
  if (preload_curl) curl_preload_ = std::make_unique<http::CurlPreload>();
}

ProductionServices::~ProductionServices() = default;

std::string AcmeUserAgent(const CommonOptions& options) {
  if (!options.user_agent.empty()) return StripControl(options.user_agent);
  std::string agent = "certpilot/" CERTPILOT_VERSION;
  if (!options.user_agent_comment.empty())
    agent += " (" + StripControl(options.user_agent_comment) + ")";
  return agent;
}

std::string CaBundle(const CommonOptions& options) {
  if (!options.ca_bundle.empty()) return options.ca_bundle;
  if (const char* env = std::getenv("CERTPILOT_CA_BUNDLE")) return env;
  return "";
}

std::unique_ptr<http::HttpClient> MakeCurlHttpClient(
    const CommonOptions& options) {
  http::CurlOptions o;
  o.ca_bundle = CaBundle(options);
  o.user_agent = AcmeUserAgent(options);
  o.total_timeout = std::chrono::seconds(options.http_timeout_seconds);
  // The ACME exchange goes into the log file at debug level.
  return std::make_unique<http::LoggingHttpClient>(
      std::make_unique<http::CurlHttpClient>(o));
}

}  // namespace certpilot::app
