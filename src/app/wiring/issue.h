// One issuance into a lineage, shared by certonly and renew: obtain a
// certificate with a lineage's settings and, unless it is a dry run, store it
// as the lineage's next version and record the settings for renewal.
//
// Thread-safe for different lineages (each call needs its own Client).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/types.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "app/wiring/solver_set.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/private_key.h"
#include "issuance/obtain.h"
#include "storage/lineage_store.h"

namespace certpilot::app {

struct IssueRequest {
  std::string lineage;
  std::vector<acme::Identifier> identifiers;
  RenewalSettings settings;
  bool dry_run = false;
  std::string replaces;  // RFC 9773 §5: the ARI id of the certificate replaced
  bool new_key = false;  // a fresh key even when settings.reuse_key
  // Log "Requesting a certificate for ..." before each order (certonly).
  bool announce = false;
  // Fleet mode (app/wiring/fleet_session.h): called with the new version
  // and its renewal conf's text before the version is committed locally;
  // when it throws, nothing local is written. Not called in a dry run.
  std::function<void(const storage::CertificateFiles&,
                     const std::string& renewal_conf)>
      before_commit;
};

struct IssueResult {
  crypto::Certificate certificate;
  storage::LivePaths paths;
  // The names certified, and those left out because they failed validation
  // (settings.allow_subset_of_names).
  std::vector<acme::Identifier> identifiers;
  std::vector<std::string> dropped;
};

// Reuses the lineage's current key when settings.reuse_key says so (and one
// exists, and !new_key); otherwise makes a fresh key of settings.key_spec.
// Orders with settings.order (ChooseProfile). With
// settings.allow_subset_of_names a name the CA could not validate is left
// out (with a warning naming it) and the rest ordered again, as certbot
// does, as long as one name remains. With settings.pkcs12, reads its
// password first and writes the keystore after the new version and the conf
// (app/wiring/keystore.h). Throws on any failure, leaving the lineage as it
// was (a failure of the keystore alone: the new version is live, the
// keystore the old one).
IssueResult IssueIntoLineage(RunContext& ctx, acme::Client& client,
                             SolverSet& solvers, const IssueRequest& req);

// One order with a lineage's settings (solvers, profile, chain,
// must-staple): for `key`, or for `csr` as it is (certonly --csr). The
// shared core of IssueIntoLineage and certonly --csr. A CA that no longer
// knows the account gets an Error saying which account and how to fix it
// (UnknownAccountMessage).
issuance::ObtainResult ObtainCertificate(
    RunContext& ctx, acme::Client& client, SolverSet& solvers,
    const std::vector<acme::Identifier>& identifiers,
    const RenewalSettings& settings, std::optional<crypto::PrivateKey> key,
    std::optional<crypto::ParsedCsr> csr, const std::string& replaces);

// Throws UsageError for settings that contradict each other
// (--preferred-profile with --required-profile).
void ValidateOrderSettings(const OrderSettings& order);

// The profile to order (draft-ietf-acme-profiles) from what the CA's
// directory offers: `required` if offered (else Error naming what is
// offered), `preferred` if offered (else "" — the CA's default — with a
// warning), else "".
std::string ChooseProfile(const acme::DirectoryMeta& meta,
                          const OrderSettings& order);

// The account stored for `server`: `chosen` (--account) if given, which
// must be stored (else UsageError, FindChosenAccount); else the one with
// `account_id` (a lineage's) if given and present, else the first. Throws
// Error when there is none.
storage::StoredAccount LoadAccount(RunContext& ctx, const std::string& server,
                                   const std::string& account_id,
                                   const std::string& chosen);

// What to say when the CA at `server` answers accountDoesNotExist (RFC 8555
// §7.3.1) for the stored account at `account_url` (e.g. after a test CA's
// data was reset): which account (id, URL, server), and the fix — the
// account directory to remove and the `certpilot register` command to run.
std::string UnknownAccountMessage(RunContext& ctx, const std::string& server,
                                  const std::string& account_url);

}  // namespace certpilot::app
