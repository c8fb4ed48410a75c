// The TLS settings the installer includes into every server block it
// enables TLS for: CONFIG/options-ssl-nginx.conf (certbot's file of the same
// name and purpose). Written once; never overwritten once it exists, so a
// person's edits stay (a later certpilot that changes these settings may
// replace only a file holding exactly one of its own earlier versions).
//
// TLS 1.2 and 1.3 only, forward-secret AEAD suites (Mozilla's
// "intermediate" profile without the DHE suites, which need ssl_dhparam).
#pragma once

#include <string_view>

namespace certpilot::nginx {

inline constexpr std::string_view kTlsOptionsFileName =
    "options-ssl-nginx.conf";

inline constexpr std::string_view kTlsOptionsText =
    "# TLS settings included by certpilot into the server blocks it installs\n"
    "# certificates into. certpilot writes this file once and never overwrites "
    "it:\n"
    "# edit it freely.\n"
    "\n"
    "ssl_session_cache shared:certpilot_SSL:10m;\n"
    "ssl_session_timeout 1440m;\n"
    "ssl_session_tickets off;\n"
    "\n"
    "ssl_protocols TLSv1.2 TLSv1.3;\n"
    "ssl_prefer_server_ciphers off;\n"
    "\n"
    "ssl_ciphers \"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305\";\n";

// The directives the file sets. nginx refuses a directive set twice in one
// block ("is duplicate"), so a block that sets any of these itself does not
// get the include.
inline constexpr std::string_view kTlsOptionsDirectives[] = {
    "ssl_session_cache", "ssl_session_timeout",       "ssl_session_tickets",
    "ssl_protocols",     "ssl_prefer_server_ciphers", "ssl_ciphers",
};

}  // namespace certpilot::nginx
