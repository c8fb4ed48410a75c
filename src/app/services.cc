#include "app/services.h"

#include <cstdlib>

#include <iostream>

#include "http/curl_http_client.h"

namespace certpilot::app {

ProductionServices::ProductionServices(const CommonOptions& options)
    : prompter_(options.non_interactive),
      services_{fs_, clock_, prompter_, MakeCurlHttpClient, std::cout} {}

std::unique_ptr<http::HttpClient> MakeCurlHttpClient(const CommonOptions& options) {
  http::CurlOptions o;
  o.ca_bundle = options.ca_bundle;
  if (o.ca_bundle.empty())
    if (const char* env = std::getenv("CERTPILOT_CA_BUNDLE")) o.ca_bundle = env;
  o.user_agent = "certpilot/" CERTPILOT_VERSION;
  return std::make_unique<http::CurlHttpClient>(o);
}

}  // namespace certpilot::app
