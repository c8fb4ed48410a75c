#include "app/wiring/issue.h"

#include "app/wiring/account_setup.h"
#include "app/wiring/keystore.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

IssueResult IssueIntoLineage(RunContext& ctx, acme::Client& client,
                             SolverSet& solvers, const IssueRequest& req) {
  // Before the CA is asked: a keystore that could not be written would
  // leave the Java server on the old certificate.
  std::string pkcs12_password;
  if (req.settings.pkcs12.enabled())
    pkcs12_password =
        ReadPkcs12Password(ctx.fs(), req.settings.pkcs12.password_file);
  std::optional<crypto::PrivateKey> key;
  if (req.settings.reuse_key && !req.new_key &&
      ctx.lineages().CurrentVersion(req.lineage))
    key = crypto::PrivateKey::FromPem(
        ctx.lineages().ReadCurrent(req.lineage).privkey_pem);
  else
    key = crypto::PrivateKey::Generate(req.settings.key_spec);

  issuance::ObtainResult result = ObtainCertificate(
      client, ctx.clock(), ctx.retry_policy(), solvers, req.identifiers,
      req.settings, key, std::nullopt, req.replaces);
  crypto::Certificate cert = crypto::Certificate::FromPem(result.cert_pem);
  if (req.dry_run) return {cert, ctx.lineages().Paths(req.lineage)};

  const storage::CertificateFiles files{key->ToPem(), result.cert_pem,
                                        result.chain_pem, result.fullchain_pem};
  ctx.lineages().SaveVersion(req.lineage, files);
  WriteRenewalConf(ctx, req.lineage, req.settings);
  // After the commit, so the keystore never runs ahead of live/, and after
  // the conf, which names it: a crash or failure in between leaves the old
  // keystore, which the next renew's SyncKeystore replaces.
  if (req.settings.pkcs12.enabled())
    WriteKeystore(ctx, req.lineage, req.settings.pkcs12, files,
                  pkcs12_password);
  return {cert, ctx.lineages().Paths(req.lineage)};
}

issuance::ObtainResult ObtainCertificate(
    acme::Client& client, Clock& clock, const acme::RetryPolicy& policy,
    SolverSet& solvers, const std::vector<acme::Identifier>& identifiers,
    const RenewalSettings& settings, std::optional<crypto::PrivateKey> key,
    std::optional<crypto::ParsedCsr> csr, const std::string& replaces) {
  SolverLease lease = solvers.For(settings);
  issuance::ObtainRequest obtain{
      identifiers,
      std::move(key),
      lease.solvers,
      replaces,
      ChooseProfile(client.GetDirectory().meta, settings.order),
      settings.order.preferred_chain,
      settings.order.must_staple,
      std::move(csr)};
  return issuance::Obtain(client, clock, obtain, policy);
}

void ValidateOrderSettings(const OrderSettings& order) {
  if (!order.preferred_profile.empty() && !order.required_profile.empty())
    throw UsageError(
        "--preferred-profile and --required-profile exclude each other");
}

std::string ChooseProfile(const acme::DirectoryMeta& meta,
                          const OrderSettings& order) {
  auto offered = [&] {
    std::vector<std::string> names;
    for (const auto& [name, description] : meta.profiles) names.push_back(name);
    return names.empty() ? std::string("none") : Join(names, ", ");
  };
  if (!order.required_profile.empty()) {
    if (!meta.profiles.count(order.required_profile))
      throw Error("the CA does not offer the required profile \"" +
                  order.required_profile +
                  "\" (it offers: " + StripControl(offered()) + ")");
    return order.required_profile;
  }
  if (order.preferred_profile.empty()) return "";
  if (meta.profiles.count(order.preferred_profile))
    return order.preferred_profile;
  log::Warning(
      "the CA does not offer the profile \"" + order.preferred_profile +
      "\" (it offers: " + StripControl(offered()) + "); using its default");
  return "";
}

storage::StoredAccount LoadAccount(RunContext& ctx, const std::string& server,
                                   const std::string& account_id,
                                   const std::string& chosen) {
  if (!chosen.empty()) return FindChosenAccount(ctx.accounts(), server, chosen);
  if (!account_id.empty())
    if (auto found = ctx.accounts().Find(server, account_id)) return *found;
  std::vector<storage::StoredAccount> all = ctx.accounts().List(server);
  if (all.empty())
    throw Error("no account for " + StripControl(server) +
                " is stored; register one with certonly or register");
  if (!account_id.empty())
    log::Warning("account " + account_id + " is not stored; using " +
                 all.front().id);
  return all.front();
}

}  // namespace certpilot::app
