#include "app/usecases/revoke.h"

#include <optional>
#include <ostream>

#include "acme/client.h"
#include "app/wiring/apache_setup.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/issue.h"
#include "app/wiring/renewal_history.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "nginx/config/include_loader.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// The lineage whose live/ directory holds `path`, if any.
std::string LineageOfPath(RunContext& ctx, const std::string& path) {
  const std::string live = ctx.layout().live_root() + "/";
  if (!StartsWith(path, live)) return "";
  std::string rest = path.substr(live.size());
  size_t slash = rest.find('/');
  return slash == std::string::npos ? "" : rest.substr(0, slash);
}

// nginx config files that name `live_dir` (the installer writes
// ssl_certificate lines pointing into it).
std::vector<std::string> NginxUsers(sys::Filesystem& fs,
                                    const std::string& root,
                                    const std::string& live_dir) {
  std::vector<std::string> users;
  if (!fs.Exists(root + "/nginx.conf")) return users;
  try {
    nginx::ConfigGraph graph = nginx::ConfigGraph::Load(fs, root);
    for (const nginx::Config* file : graph.files())
      if (file->original_text().find(live_dir + "/") != std::string::npos)
        users.push_back(file->path());
  } catch (const Error& e) {
    log::Warning("cannot check nginx's configuration in " + root + ": " +
                 e.what());
  }
  return users;
}

void DeleteLineage(RunContext& ctx, const std::string& name) {
  ctx.lineages().Delete(name);
  RemoveAriState(ctx.fs(), ctx.layout(), name);
  RemoveRenewalHistory(ctx.fs(), ctx.layout(), name);
}

}  // namespace

int RevocationReasonCode(const std::string& name) {
  std::string n = ToLower(name);
  if (n == "unspecified") return 0;
  if (n == "keycompromise") return 1;
  if (n == "affiliationchanged") return 3;
  if (n == "superseded") return 4;
  if (n == "cessationofoperation") return 5;
  throw UsageError(
      "--reason must be unspecified, keycompromise, affiliationchanged, "
      "superseded or cessationofoperation, not \"" +
      StripControl(name) + "\"");
}

int Revoke(const RevokeOptions& o, Services& services) {
  if (o.cert_name.empty() == o.cert_path.empty())
    throw UsageError("revoke needs exactly one of --cert-name and --cert-path");
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  int reason = RevocationReasonCode(o.reason);
  RunContext ctx(o.common, services);

  std::string lineage = o.cert_name;
  std::string cert_pem;
  if (!lineage.empty()) {
    if (!ctx.lineages().CurrentVersion(lineage))
      throw UsageError("no certificate named \"" + lineage +
                       "\" (see certpilot certificates)");
    cert_pem = ctx.lineages().ReadCurrent(lineage).cert_pem;
  } else {
    try {
      cert_pem = ctx.fs().ReadFile(o.cert_path);
    } catch (const Error& e) {
      throw UsageError(std::string("cannot read --cert-path: ") + e.what());
    }
    lineage = LineageOfPath(ctx, o.cert_path);
  }
  std::optional<sys::FileLock> lineage_lock;
  if (!lineage.empty()) lineage_lock.emplace(ctx.LockLineage(lineage));
  crypto::Certificate cert = crypto::Certificate::FromPem(cert_pem);

  std::string server = o.common.ServerUrl();
  std::string account_id;
  if (!lineage.empty() && ctx.fs().Exists(ctx.layout().renewal_conf(lineage))) {
    RenewalSettings settings = ReadRenewalConf(ctx, lineage);
    if (o.common.server.empty()) server = settings.server;
    account_id = settings.account_id;
  }
  auto http = services.make_http(o.common);
  acme::Client client(*http, services.clock, server);
  if (!o.key_path.empty()) {
    crypto::PrivateKey key =
        crypto::PrivateKey::FromPem(ctx.fs().ReadFile(o.key_path));
    if (!cert.MatchesKey(key))
      throw UsageError("--key-path is not the certificate's key");
    client.RevokeCertificate(cert.ToDer(), reason, &key);
  } else {
    storage::StoredAccount account =
        LoadAccount(ctx, server, account_id, o.common.account);
    client.SetAccountKey(account.key, account.url);
    client.RevokeCertificate(cert.ToDer(), reason);
  }
  services.out << "Revoked certificate "
               << (lineage.empty() ? o.cert_path : lineage) << " (serial "
               << cert.SerialHex() << ", reason " << ToLower(o.reason)
               << ").\n";

  if (lineage.empty() || !ctx.lineages().CurrentVersion(lineage)) return 0;
  bool remove = o.delete_after.value_or(true);
  if (!o.delete_after && services.prompter.interactive())
    remove = services.prompter.Confirm(
        "Delete " + lineage + " (every version of it) now that it is revoked?");
  if (remove) {
    DeleteLineage(ctx, lineage);
    services.out << "Deleted " << lineage << ".\n";
  }
  return 0;
}

int Delete(const DeleteOptions& o, Services& services) {
  if (o.cert_name.empty()) throw UsageError("delete needs --cert-name");
  storage::LineageStore::ValidateName(o.cert_name);
  RunContext ctx(o.common, services);
  if (!ctx.fs().Exists(ctx.layout().renewal_conf(o.cert_name)) &&
      !ctx.fs().Exists(ctx.layout().live_dir(o.cert_name)))
    throw UsageError("no certificate named \"" + o.cert_name +
                     "\" (see certpilot certificates)");
  const sys::FileLock lineage_lock = ctx.LockLineage(o.cert_name);
  std::vector<std::string> users = NginxUsers(
      ctx.fs(), o.nginx_server_root, ctx.layout().live_dir(o.cert_name));
  if (!users.empty() && !o.force)
    throw Error("nginx still uses " + o.cert_name + " (" + Join(users, ", ") +
                "): change those files first, or pass --force");
  ApacheOptions apache;
  apache.server_root = o.apache_server_root;
  users = ApacheUsers(ctx.fs(), apache, ctx.layout().live_dir(o.cert_name));
  if (!users.empty() && !o.force)
    throw Error("Apache still uses " + o.cert_name + " (" + Join(users, ", ") +
                "): change those files first, or pass --force");
  if (!o.common.non_interactive) {
    if (!services.prompter.interactive())
      throw UsageError("delete removes every version of " + o.cert_name +
                       ": confirm on a terminal or pass -n");
    if (!services.prompter.Confirm("Delete " + o.cert_name +
                                   " and every version of it?"))
      throw UsageError("not confirmed; nothing was deleted");
  }
  DeleteLineage(ctx, o.cert_name);
  services.out << "Deleted " << o.cert_name << ".\n";
  return 0;
}

}  // namespace certpilot::app
