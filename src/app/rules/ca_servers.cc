#include "app/rules/ca_servers.h"

#include "app/types/options.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// The host of "https://HOST[:PORT]/...", lower case; "" if there is none.
std::string HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/:?#"));
  return ToLower(rest);
}

}  // namespace

bool IsLetsEncrypt(std::string_view directory_url) {
  const std::string host = HostOf(directory_url);
  return host == "acme-v02.api.letsencrypt.org" ||
         host == "acme-staging-v02.api.letsencrypt.org";
}

bool IsStagingServer(std::string_view directory_url) {
  return ToLower(directory_url).find("staging") != std::string::npos;
}

std::string DryRunServer(const std::string& directory_url) {
  return directory_url == kLetsEncryptProduction ? kLetsEncryptStaging
                                                 : directory_url;
}

void CheckServerSwitch(const std::string& lineage,
                       const std::string& stored_server,
                       const std::string& requested_server,
                       bool break_my_certs) {
  const bool was_test = IsStagingServer(stored_server);
  if (break_my_certs || was_test == IsStagingServer(requested_server)) return;
  throw UsageError(
      "certificate " + lineage + " was issued by " +
      StripControl(stored_server) + (was_test ? " (a test CA)" : "") +
      "; replacing it with one from " + StripControl(requested_server) +
      (was_test ? "" : " (a test CA whose certificates nobody trusts)") +
      " would " +
      (was_test ? "swap a test certificate for a trusted one"
                : "break the sites that use it") +
      ". Pass --break-my-certs to do it anyway");
}

}  // namespace certpilot::app
