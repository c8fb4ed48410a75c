// What the use cases report, as plain structs: filled by the use cases,
// printed as text by them and as JSON by app/types/json_text.h. No
// behaviour.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/types/fleet.h"
#include "util/clock.h"

namespace certpilot::app {

// A lineage whose renewal keeps failing (app/rules/backoff.h): how often,
// the last failure and its reason, and when `renew` tries it again.
struct RenewalFailure {
  int failures = 0;  // in a row, since the last success or forced attempt
  TimePoint last_attempt{};
  std::string reason;  // control characters already stripped
  TimePoint next_attempt{};
};

// One lineage as `certificates --json` lists it. The times are absent when
// the lineage cannot be read (valid is then false).
// The CA's suggested renewal window for a certificate (ARI, RFC 9773), as
// last fetched: the moment chosen in it, and when the CA is asked again.
struct AriWindow {
  TimePoint start{}, end{}, selected{}, next_check{};
};

struct CertificateListing {
  std::string name;
  std::vector<std::string> domains;  // DNS names then IP addresses
  std::string serial;                // hex
  std::string key_type;              // "ecdsa-p256", "rsa-2048", ...
  std::optional<TimePoint> not_before, not_after, renew_after;
  std::string cert_path, chain_path, fullchain_path, privkey_path;
  std::string server;
  bool valid = false;
  // Set while the renewal of its current certificate keeps failing.
  std::optional<RenewalFailure> renewal_failure;
  // Set when the CA's ARI answer about the current certificate is stored.
  std::optional<AriWindow> ari_window;
  // `certificates --fleet-*` only (issue #17): the JSON then has a "fleet"
  // key, this lineage's status in the fleet, or null for a lineage only
  // this node holds. Without fleet options there is no such key.
  bool fleet_mode = false;
  std::optional<FleetLineageStatus> fleet;
};

// What one `renew` run did.
struct RenewReport {
  struct Renewed {
    std::string name;
    TimePoint not_after{};  // of the new certificate
    // Names left out because they failed validation (allow_subset_of_names).
    std::vector<std::string> dropped;
  };
  struct NotDue {
    std::string name;
    TimePoint renew_after{};
  };
  struct Failed {
    std::string name;
    std::string error;  // control characters already stripped
  };
  std::vector<Renewed> renewed;
  std::vector<NotDue> not_due;
  std::vector<Failed> failed;
  std::vector<std::string> autorenew_disabled;  // autorenew = False, skipped
  // Due, but skipped: their renewal failed and they are waiting to retry.
  struct BackedOff {
    std::string name;
    RenewalFailure failure;
  };
  std::vector<BackedOff> backed_off;
  // Due, but another certpilot run holds the lineage's lock (and renews it).
  struct Busy {
    std::string name;
    std::string holder;  // "another certpilot is working on ... (pid N ...)"
  };
  std::vector<Busy> busy;
  bool dry_run = false;
  int hook_failures = 0;
  int installer_failures = 0;  // nginx reloads after renewal
};

// `show_account`: the stored account as the CA describes it.
struct AccountReport {
  std::string server;  // the directory URL
  std::string id;      // the stored account's id
  std::string url;     // the account URL (RFC 8555 §7.3)
  std::vector<std::string> contact;
  std::string status;      // "valid", "deactivated", "revoked"
  std::string thumbprint;  // of the account key (RFC 7638)
  // draft-ietf-acme-profiles: the profiles the CA offers, name → description.
  std::map<std::string, std::string> profiles;
};

// One line of `plugins`: an authenticator (how control of the names is
// proved), an installer (where the certificate is put to use), or both.
struct PluginListing {
  std::string name;
  bool authenticator = false;
  bool installer = false;
  std::vector<std::string> challenges;  // what the authenticator answers
  std::string needs;                    // what it needs, one sentence
};

}  // namespace certpilot::app
