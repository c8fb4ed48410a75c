// The TLS settings the installer includes into every virtual host it
// creates: CONFIG/options-ssl-apache.conf (certbot's file of the same name
// and purpose). Written once; never overwritten once it exists, so a
// person's edits stay (a later certpilot that changes these settings may
// replace only a file holding exactly one of its own earlier versions).
//
// TLS 1.2 and 1.3 only, forward-secret AEAD suites (Mozilla's
// "intermediate" profile without the DHE suites). Every directive is valid
// in a <VirtualHost> (mod_ssl); SSLEngine is not here but in the virtual
// host itself, so that a person who drops the Include keeps TLS on.
#pragma once

#include <string_view>

namespace certpilot::apache {

inline constexpr std::string_view kTlsOptionsFileName =
    "options-ssl-apache.conf";

inline constexpr std::string_view kTlsOptionsText =
    "# TLS settings included by certpilot into the virtual hosts it installs\n"
    "# certificates into. certpilot writes this file once and never overwrites "
    "it:\n"
    "# edit it freely.\n"
    "\n"
    "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1\n"
    "SSLCipherSuite "
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305\n"
    "SSLHonorCipherOrder off\n"
    "SSLSessionTickets off\n";

}  // namespace certpilot::apache
