// One issuance into a lineage, shared by certonly and renew: obtain a
// certificate with a lineage's settings and, unless it is a dry run, store it
// as the lineage's next version and record the settings for renewal.
//
// Thread-safe for different lineages (each call needs its own Client).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/types.h"
#include "app/renewal_settings.h"
#include "app/run_context.h"
#include "app/solver_set.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "storage/lineage_store.h"

namespace certpilot::app {

struct IssueRequest {
  std::string lineage;
  std::vector<acme::Identifier> identifiers;
  RenewalSettings settings;
  bool dry_run = false;
  std::string replaces;  // RFC 9773 §5: the ARI id of the certificate replaced
};

struct IssueResult {
  crypto::Certificate certificate;
  storage::LivePaths paths;
};

// Reuses the lineage's current key when settings.reuse_key says so (and one
// exists); otherwise makes a fresh key of settings.key_spec. Throws on any
// failure, leaving the lineage as it was.
IssueResult IssueIntoLineage(RunContext& ctx, acme::Client& client, SolverSet& solvers,
                             const IssueRequest& request);

// The account stored for `server`: the one with `account_id` if given and
// present, else the first. Throws Error when there is none.
storage::StoredAccount LoadAccount(RunContext& ctx, const std::string& server,
                                   const std::string& account_id);

}  // namespace certpilot::app
