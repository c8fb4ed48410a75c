// The lines of the enhancements (install_patch.h applies them): certbot's
// Apache redirect and the two headers, and the tests for a vhost that
// already has them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apache/config/tree.h"

namespace certpilot::apache {

// certbot's redirect of plain HTTP for `names` to HTTPS:
//   RewriteEngine on
//   RewriteCond %{SERVER_NAME} =NAME [OR]     (the last one without [OR];
//                                              ^[^.]+\.rest$ for *.rest)
//   RewriteRule ^ https://%{SERVER_NAME}[:PORT]%{REQUEST_URI}
//   [END,NE,R=permanent]
// with ":PORT" when `https_port` is not 443. REQUIRES: names not empty.
std::vector<Node> RedirectLines(const std::vector<std::string>& names,
                                int https_port);

// True for a directive that sends clients to https://: a RewriteRule whose
// substitution starts so, or a Redirect, RedirectMatch, RedirectPermanent
// or RedirectTemp naming such a URL.
bool IsHttpsRedirect(const Node& n);

// Header always set Strict-Transport-Security "max-age=31536000"
// (certbot's value).
Node HstsLine();
// Header always set Content-Security-Policy upgrade-insecure-requests
Node UirLine();

// True if a `Header` directive among `nodes` names `header` (any case) and,
// when `value` is not empty, holds it in one of its words (any case).
bool SendsHeader(const std::vector<const Node*>& nodes, std::string_view header,
                 std::string_view value);

}  // namespace certpilot::apache
