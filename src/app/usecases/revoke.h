// `revoke` (RFC 8555 §7.6) and `delete`.
#pragma once

#include <optional>
#include <string>

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct RevokeOptions {
  CommonOptions common;
  std::string cert_name;  // exactly one of cert_name and cert_path
  std::string cert_path;
  std::string
      key_path;  // sign with the certificate's key instead of the account's
  std::string reason = "unspecified";
  std::optional<bool>
      delete_after;  // unset: ask on a terminal, else yes (certbot)
};

struct DeleteOptions {
  CommonOptions common;
  std::string cert_name;
  bool force = false;  // delete even if a web server still points at it
  std::string nginx_server_root = "/etc/nginx";
  std::string apache_server_root = "/etc/apache2";
};

// CRL reason names certbot accepts → RFC 5280 §5.3.1 codes. Throws
// UsageError for anything else.
int RevocationReasonCode(const std::string& name);

int Revoke(const RevokeOptions& o, Services& services);
int Delete(const DeleteOptions& o, Services& services);

}  // namespace certpilot::app
