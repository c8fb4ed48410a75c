// Fleet mode's connection to etcd (issue #17): the --fleet-* options
// checked, and the etcd client they describe.
#pragma once

#include <memory>
#include <string>

#include "app/types/fleet.h"
#include "app/wiring/services.h"
#include "crypto/sealed_box.h"
#include "etcd/client.h"
#include "http/http_client.h"

namespace certpilot::app {

// Checks `o` and fills in what defaults: the node name (the host name).
// Throws UsageError (exit 2), naming the option, when:
//   - there is no endpoint, or one is not "https://HOST:PORT" (http:// only
//     for a loopback host: etcd's traffic carries tokens and secrets);
//   - the prefix does not start with '/', ends with '/' or holds control
//     characters or whitespace;
//   - --fleet-cacert, --fleet-client-cert, --fleet-client-key,
//     --fleet-password-file or --fleet-secret-file names no file; a client
//     certificate comes without its key or the other way round; --fleet-user
//     comes without --fleet-password-file or the other way round;
//   - the password file is empty; the fleet key file, or an old one
//     (--fleet-old-secret-file), does not hold exactly 32 bytes; an old key
//     file comes without --fleet-secret-file;
//   - the node name is not 1-63 of [A-Za-z0-9._-] starting with a letter or
//     digit;
//   - --fleet-responder is not HOST:PORT (app/rules/fleet_responder.h).
FleetOptions CheckFleetOptions(FleetOptions o, sys::Filesystem& fs);

// The fleet keys of checked options: --fleet-secret-file seals, it and every
// --fleet-old-secret-file open (fleet rekey). UsageError when there is no
// --fleet-secret-file (`needed_for` says what needs it) or two of the files
// hold the same key.
crypto::SealKeys ReadFleetKeys(const FleetOptions& checked, sys::Filesystem& fs,
                               const std::string& needed_for);

// An etcd client for checked options, with its own HttpClient (libcurl,
// TLS with --fleet-cacert and the client certificate). No I/O until the
// first request.
struct FleetConnection {
  std::unique_ptr<http::HttpClient> http;
  std::unique_ptr<etcd::Client> etcd;
};
FleetConnection ConnectFleet(const FleetOptions& checked, sys::Filesystem& fs);
// The same over services.make_fleet_http's client when it is set (tests);
// libcurl otherwise.
FleetConnection ConnectFleet(const FleetOptions& checked, Services& services);

}  // namespace certpilot::app
