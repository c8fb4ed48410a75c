#include "app/wiring/issue.h"

#include <algorithm>

#include "app/wiring/account_setup.h"
#include "app/wiring/keystore.h"
#include "sys/filesystem.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

namespace {

std::vector<std::string> NamesOf(const std::vector<acme::Identifier>& ids) {
  std::vector<std::string> names;
  for (const acme::Identifier& id : ids) names.push_back(id.value);
  return names;
}

// One order for req.identifiers into the lineage (or, in a dry run, nowhere).
IssueResult IssueOnce(RunContext& ctx, acme::Client& client, SolverSet& solvers,
                      const IssueRequest& req) {
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

  issuance::ObtainResult result =
      ObtainCertificate(ctx, client, solvers, req.identifiers, req.settings,
                        key, std::nullopt, req.replaces);
  crypto::Certificate cert = crypto::Certificate::FromPem(result.cert_pem);
  if (req.dry_run)
    return {cert, ctx.lineages().Paths(req.lineage), req.identifiers, {}};

  const storage::CertificateFiles files{key->ToPem(), result.cert_pem,
                                        result.chain_pem, result.fullchain_pem};
  if (req.before_commit)
    req.before_commit(files,
                      RenewalConfFor(ctx, req.lineage, req.settings).Dump());
  ctx.lineages().SaveVersion(req.lineage, files);
  WriteRenewalConf(ctx, req.lineage, req.settings);
  // After the commit, so the keystore never runs ahead of live/, and after
  // the conf, which names it: a crash or failure in between leaves the old
  // keystore, which the next renew's SyncKeystore replaces.
  if (req.settings.pkcs12.enabled())
    WriteKeystore(ctx, req.lineage, req.settings.pkcs12, files,
                  pkcs12_password);
  return {cert, ctx.lineages().Paths(req.lineage), req.identifiers, {}};
}

}  // namespace

IssueResult IssueIntoLineage(RunContext& ctx, acme::Client& client,
                             SolverSet& solvers, const IssueRequest& req) {
  IssueRequest attempt = req;
  std::vector<std::string> dropped;
  while (true) {
    if (req.announce)
      log::Info("Requesting a certificate for " +
                Join(NamesOf(attempt.identifiers), ", "));
    try {
      IssueResult result = IssueOnce(ctx, client, solvers, attempt);
      result.dropped = dropped;
      return result;
    } catch (const issuance::ValidationError& e) {
      std::vector<acme::Identifier>& ids = attempt.identifiers;
      auto failed = std::find(ids.begin(), ids.end(), e.identifier());
      if (!req.settings.allow_subset_of_names || failed == ids.end() ||
          ids.size() == 1)
        throw;
      log::Warning(std::string(e.what()) + "; leaving " +
                   StripControl(e.identifier().value) +
                   " out (--allow-subset-of-names)");
      dropped.push_back(e.identifier().value);
      ids.erase(failed);
    }
  }
}

issuance::ObtainResult ObtainCertificate(
    RunContext& ctx, acme::Client& client, SolverSet& solvers,
    const std::vector<acme::Identifier>& identifiers,
    const RenewalSettings& settings, std::optional<crypto::PrivateKey> key,
    std::optional<crypto::ParsedCsr> csr, const std::string& replaces) {
  SolverLease lease = solvers.For(settings);
  try {
    issuance::ObtainRequest obtain{
        identifiers,
        std::move(key),
        lease.solvers,
        replaces,
        ChooseProfile(client.GetDirectory().meta, settings.order),
        settings.order.preferred_chain,
        settings.order.must_staple,
        std::move(csr)};
    return issuance::Obtain(client, ctx.clock(), obtain, ctx.retry_policy());
  } catch (const acme::ProblemError& e) {
    if (e.problem().type != acme::ProblemType::kAccountDoesNotExist) throw;
    throw Error(
        UnknownAccountMessage(ctx, client.directory_url(), client.kid()) +
        " (the CA said: " + StripControl(e.what()) + ")");
  }
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

std::string UnknownAccountMessage(RunContext& ctx, const std::string& server,
                                  const std::string& account_url) {
  std::optional<storage::StoredAccount> stored;
  for (storage::StoredAccount& a : ctx.accounts().List(server))
    if (a.url == account_url) stored = std::move(a);
  const std::string id = stored ? stored->id : "";
  const std::string dir =
      stored ? sys::JoinPath(ctx.layout().accounts_dir(server), id)
             : ctx.layout().accounts_dir(server);
  std::string command = "certpilot register";
  if (ctx.layout().config_dir != CommonOptions().config_dir)
    command += " --config-dir " + ctx.layout().config_dir;
  command += " --server " + server + " --agree-tos";
  std::vector<std::string> emails;
  if (stored)
    for (const std::string& c : ContactOf(*stored))
      if (StartsWith(c, "mailto:")) emails.push_back(c.substr(7));
  const std::string email = Join(emails, ",");
  command +=
      email.empty() ? " --register-unsafely-without-email" : " -m " + email;
  return "the CA at " + StripControl(server) + " no longer knows account " +
         (id.empty() ? "" : id + " ") + "(" + StripControl(account_url) +
         "), e.g. because the CA's data was reset. To fix it, remove " + dir +
         " and register a new account: " + StripControl(command);
}

}  // namespace certpilot::app
