// What certpilot knows about an ACME directory URL without asking it:
// whether it is Let's Encrypt's, and whether it is a test (staging) server.
// Pure string arithmetic.
#pragma once

#include <string>
#include <string_view>

namespace certpilot::app {

// Let's Encrypt's production or staging directory (any path on their API
// hosts).
bool IsLetsEncrypt(std::string_view directory_url);

// A test CA whose certificates no browser trusts: as certbot decides it, a
// URL that contains "staging" (Let's Encrypt's staging server, and other
// CAs' that are named so).
bool IsStagingServer(std::string_view directory_url);

// The server a dry run talks to: Let's Encrypt's staging server in place of
// its production one (as certbot's --dry-run); any other CA as it is.
std::string DryRunServer(const std::string& directory_url);

// Throws UsageError (exit 2) when a certificate from `stored_server` would
// be replaced by one from `requested_server` and one of them is a staging
// server and the other is not, unless `break_my_certs`: a test certificate
// must not silently replace a trusted one, nor the reverse by accident.
void CheckServerSwitch(const std::string& lineage,
                       const std::string& stored_server,
                       const std::string& requested_server,
                       bool break_my_certs);

// Let's Encrypt ended Must-Staple (the TLS Feature extension, RFC 7633) in
// May 2025: its orders with it are rejected. The reason, for messages.
inline constexpr char kLetsEncryptMustStapleEnded[] =
    "Let's Encrypt has rejected Must-Staple (the OCSP stapling "
    "requirement) since May 2025";

}  // namespace certpilot::app
