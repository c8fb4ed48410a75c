#include "app/issue.h"

#include "issuance/obtain.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

IssueResult IssueIntoLineage(RunContext& ctx, acme::Client& client, SolverSet& solvers,
                             const IssueRequest& req) {
  std::optional<crypto::PrivateKey> key;
  if (req.settings.reuse_key && ctx.lineages().CurrentVersion(req.lineage))
    key = crypto::PrivateKey::FromPem(ctx.lineages().ReadCurrent(req.lineage).privkey_pem);
  else
    key = crypto::PrivateKey::Generate(req.settings.key_spec);

  SolverLease lease = solvers.For(req.settings);
  issuance::ObtainRequest obtain{req.identifiers, *key, lease.solvers,
                                 req.replaces, "", "", false};
  issuance::ObtainResult result = issuance::Obtain(client, ctx.clock(), obtain);
  crypto::Certificate cert = crypto::Certificate::FromPem(result.cert_pem);
  if (req.dry_run) return {cert, ctx.lineages().Paths(req.lineage)};

  ctx.lineages().SaveVersion(req.lineage, {key->ToPem(), result.cert_pem, result.chain_pem,
                                           result.fullchain_pem});
  WriteRenewalConf(ctx, req.lineage, req.settings);
  return {cert, ctx.lineages().Paths(req.lineage)};
}

storage::StoredAccount LoadAccount(RunContext& ctx, const std::string& server,
                                   const std::string& account_id) {
  if (!account_id.empty())
    if (auto found = ctx.accounts().Find(server, account_id)) return *found;
  std::vector<storage::StoredAccount> all = ctx.accounts().List(server);
  if (all.empty())
    throw Error("no account for " + StripControl(server) +
                " is stored; register one with certonly or register");
  if (!account_id.empty())
    log::Warning("account " + account_id + " is not stored; using " + all.front().id);
  return all.front();
}

}  // namespace certpilot::app
