#include "app/usecases/import_certbot.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>

#include "app/rules/challenge_choice.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "storage/account_store.h"
#include "storage/lineage_store.h"
#include "storage/renewal_conf.h"
#include "sys/host.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

std::string Join2(const std::string& a, const std::string& b) {
  return a + "/" + b;
}

// The version numbers in archive/NAME: N of every certN.pem.
std::vector<int> ArchiveVersions(sys::Filesystem& fs,
                                 const std::string& archive_dir) {
  std::vector<int> out;
  for (const std::string& entry : fs.ListDir(archive_dir)) {
    if (!StartsWith(entry, "cert") || entry.size() <= 8 ||
        entry.substr(entry.size() - 4) != ".pem")
      continue;
    const std::string digits = entry.substr(4, entry.size() - 8);
    if (std::all_of(digits.begin(), digits.end(), ::isdigit) &&
        digits.size() < 7)
      out.push_back(std::stoi(digits));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Accounts live in accounts/<ServerPath>/<id>/: a directory holding
// regr.json is an account, and the path above it names the server
// (ServerPath drops "https://", which ACME requires).
void FindAccounts(sys::Filesystem& fs, const std::string& root,
                  const std::string& relative,
                  std::map<std::string, int>* servers) {
  const std::string dir = relative.empty() ? root : Join2(root, relative);
  for (const std::string& entry : fs.ListDir(dir)) {
    const std::string path = Join2(dir, entry);
    if (entry.empty() || entry[0] == '.' || fs.IsSymlink(path) ||
        !fs.IsDir(path))
      continue;
    if (fs.Exists(Join2(path, "regr.json"))) {
      if (!relative.empty()) ++(*servers)["https://" + relative];
    } else {
      FindAccounts(fs, root, relative.empty() ? entry : Join2(relative, entry),
                   servers);
    }
  }
}

struct Tally {
  int lineages = 0, accounts = 0, hooks = 0, skipped = 0, failed = 0;
};

void ImportAccounts(const storage::Layout& from, RunContext& ctx,
                    Services& services, Tally& tally) {
  if (!ctx.fs().IsDir(from.accounts_root())) return;
  storage::AccountStore source(ctx.fs(), from, services.clock, sys::Hostname());
  std::map<std::string, int> servers;
  FindAccounts(ctx.fs(), from.accounts_root(), "", &servers);
  for (const auto& [server, count] : servers) {
    try {
      for (const storage::StoredAccount& account : source.List(server)) {
        if (ctx.accounts().Find(server, account.id)) continue;
        ctx.accounts().Save(server, account);
        ++tally.accounts;
        services.out << "imported account " << account.id << " of " << server
                     << "\n";
      }
    } catch (const Error& e) {
      ++tally.failed;
      log::Error("accounts of " + server + " not imported: " + e.what());
    }
  }
}

// certbot's conf with the paths rewritten to this tree; reports what
// certpilot cannot do with it.
void WriteImportedConf(const storage::Layout& from, RunContext& ctx,
                       const std::string& name) {
  storage::RenewalConf conf =
      storage::RenewalConf::Load(ctx.fs(), from.renewal_conf(name));
  storage::LivePaths live = ctx.lineages().Paths(name);
  conf.Set("", "archive_dir", ctx.layout().archive_dir(name));
  conf.Set("", "cert", live.cert);
  conf.Set("", "privkey", live.privkey);
  conf.Set("", "chain", live.chain);
  conf.Set("", "fullchain", live.fullchain);
  ctx.fs().MakeDirs(ctx.layout().renewal_root(), 0755);
  conf.Save(ctx.fs(), ctx.layout().renewal_conf(name));

  RenewalSettings s = ReadRenewalConf(ctx, name);
  const std::vector<std::string>& known = KnownAuthenticators();
  if (std::find(known.begin(), known.end(), s.authenticator) == known.end())
    log::Warning(name + ": certbot's authenticator \"" +
                 StripControl(s.authenticator) +
                 "\" is not in certpilot; renewal will fail until you choose "
                 "another, e.g. "
                 "certpilot reconfigure --cert-name " +
                 name + " --webroot -w PATH");
  if (!s.installer.empty() && s.installer != "nginx")
    log::Warning(
        name + ": certbot's installer \"" + StripControl(s.installer) +
        "\" is not in certpilot; renewed certificates are not reloaded into it "
        "(use a --deploy-hook)");
}

void ImportLineage(const storage::Layout& from, RunContext& ctx,
                   Services& services, const std::string& name, Tally& tally) {
  if (ctx.lineages().AvailableName(name) != name) {
    ++tally.skipped;
    log::Warning(name +
                 ": a certificate of that name exists here already; skipped");
    return;
  }
  storage::LineageStore source(ctx.fs(), from);
  bool written = false;
  try {
    std::optional<int> current = source.CurrentVersion(name);
    if (!current) throw Error("live/" + name + " links to no version");
    std::vector<int> versions =
        ArchiveVersions(ctx.fs(), from.archive_dir(name));
    versions.erase(std::remove(versions.begin(), versions.end(), *current),
                   versions.end());
    versions.push_back(
        *current);  // last: live/ ends on certbot's current version
    for (int v : versions) {
      auto read = [&](const char* kind) {
        return ctx.fs().ReadFile(
            Join2(from.archive_dir(name), kind + std::to_string(v) + ".pem"));
      };
      storage::CertificateFiles files{read("privkey"), read("cert"),
                                      read("chain"), read("fullchain")};
      written = true;
      ctx.lineages().SaveVersion(name, files);
    }
    WriteImportedConf(from, ctx, name);
    ++tally.lineages;
    services.out << "imported " << name << " (" << versions.size() << " version"
                 << (versions.size() == 1 ? "" : "s") << ")\n";
  } catch (const Error& e) {
    ++tally.failed;
    log::Error(name + " not imported: " + e.what());
    if (written) {
      try {
        ctx.lineages().Delete(name);
      } catch (const Error& cleanup) {
        log::Error("could not remove the partial import of " + name + ": " +
                   cleanup.what());
      }
    }
  }
}

void ImportHooks(const storage::Layout& from, RunContext& ctx,
                 Services& services, Tally& tally) {
  for (const char* phase : {"pre", "deploy", "post"}) {
    const std::string src = Join2(from.renewal_hooks_dir(), phase);
    const std::string dst = Join2(ctx.layout().renewal_hooks_dir(), phase);
    if (!ctx.fs().IsDir(src)) continue;
    for (const std::string& entry : ctx.fs().ListDir(src)) {
      const std::string path = Join2(src, entry);
      if (entry[0] == '.' || ctx.fs().IsSymlink(path) || ctx.fs().IsDir(path))
        continue;
      if (ctx.fs().Exists(Join2(dst, entry))) continue;
      ctx.fs().MakeDirs(dst, 0755);
      ctx.fs().CreateFileExclusive(Join2(dst, entry), ctx.fs().ReadFile(path),
                                   ctx.fs().Stat(path).mode & 0755,
                                   std::nullopt);
      ++tally.hooks;
      services.out << "imported hook renewal-hooks/" << phase << "/" << entry
                   << "\n";
    }
  }
}

}  // namespace

int ImportCertbot(const ImportOptions& o, Services& services) {
  sys::Filesystem& fs = services.fs;
  if (!fs.IsDir(o.from) ||
      (!fs.IsDir(o.from + "/renewal") && !fs.IsDir(o.from + "/accounts")))
    throw UsageError(
        o.from +
        " is not a certbot configuration directory (no renewal/ or "
        "accounts/); pass --from DIR");
  std::error_code ec;
  if (std::filesystem::equivalent(o.from, o.common.config_dir, ec))
    throw UsageError("--from is certpilot's own --config-dir " +
                     o.common.config_dir);
  storage::Layout from{o.from, "", ""};
  if (!o.cert_name.empty()) {
    storage::LineageStore::ValidateName(o.cert_name);
    if (!fs.Exists(from.renewal_conf(o.cert_name)))
      throw UsageError("no certificate named " + o.cert_name + " in " + o.from);
  }

  RunContext ctx(o.common, services);
  Tally tally;
  ImportAccounts(from, ctx, services, tally);
  storage::LineageStore source(ctx.fs(), from);
  std::vector<std::string> names = o.cert_name.empty()
                                       ? source.ListNames()
                                       : std::vector<std::string>{o.cert_name};
  for (const std::string& name : names)
    ImportLineage(from, ctx, services, name, tally);
  ImportHooks(from, ctx, services, tally);
  services.out << "Imported " << tally.lineages << " certificate"
               << (tally.lineages == 1 ? "" : "s") << ", " << tally.accounts
               << " account" << (tally.accounts == 1 ? "" : "s") << " and "
               << tally.hooks << " hook" << (tally.hooks == 1 ? "" : "s")
               << " from " << o.from << "; " << tally.skipped << " skipped, "
               << tally.failed << " failed.\n";
  return tally.failed ? 1 : 0;
}

}  // namespace certpilot::app
