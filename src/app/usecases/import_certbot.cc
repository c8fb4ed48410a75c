#include "app/usecases/import_certbot.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>

#include "app/rules/certbot_import.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "app/wiring/solver_set.h"
#include "crypto/certificate.h"
#include "storage/account_store.h"
#include "storage/lineage_store.h"
#include "storage/renewal_conf.h"
#include "sys/filesystem.h"
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
  int to_fix = 0;  // imported, but will not renew as they are
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

constexpr char kParams[] = "renewalparams";

// One lineage as the first pass found it: certbot's conf made into
// certpilot's, ready to be written once the versions are in.
struct LineagePlan {
  std::string name;
  std::optional<storage::RenewalConf> conf;
  std::string error;  // it cannot be imported
};

// The names certbot's current certificate of `name` holds ({} when it
// cannot be read: the import of the lineage reports that).
std::vector<std::string> CurrentNames(sys::Filesystem& fs,
                                      storage::LineageStore& source,
                                      const std::string& name) {
  try {
    crypto::Certificate cert =
        crypto::Certificate::FromPem(fs.ReadFile(source.Paths(name).cert));
    return cert.DnsNames();
  } catch (const Error&) {
    return {};
  }
}

// certbot's settings in certpilot's terms, with the paths of this tree:
// the plugin certpilot has under certbot's name, dns-rfc2136's wait, and no
// Must-Staple for Let's Encrypt.
void TranslateConf(RunContext& ctx, const std::string& name,
                   storage::RenewalConf& conf) {
  storage::LivePaths live = ctx.lineages().Paths(name);
  conf.Set("", "archive_dir", ctx.layout().archive_dir(name));
  conf.Set("", "cert", live.cert);
  conf.Set("", "privkey", live.privkey);
  conf.Set("", "chain", live.chain);
  conf.Set("", "fullchain", live.fullchain);
  const std::string authenticator =
      conf.Get(kParams, "authenticator").value_or("");
  if (std::optional<std::string> ours =
          CertpilotAuthenticatorFor(authenticator);
      ours && *ours != authenticator)
    conf.Set(kParams, "authenticator", *ours);
  // A DNS plugin's settings are "dns_NAME_…" (certbot < 1.7 wrote
  // "certbot_dns_NAME:dns_NAME_…"; the credentials are copied to the key
  // certpilot reads).
  std::string plugin = conf.Get(kParams, "authenticator").value_or("");
  std::replace(plugin.begin(), plugin.end(), '-', '_');
  for (const std::string& key : conf.Keys(kParams)) {
    size_t colon = key.find(':');
    if (colon != std::string::npos &&
        key.substr(colon + 1) == plugin + "_credentials" &&
        !conf.Get(kParams, plugin + "_credentials"))
      conf.Set(kParams, plugin + "_credentials",
               conf.Get(kParams, key).value_or(""));
  }
  // certbot's plugin waits this long because it cannot look; certpilot
  // polls the server and then still waits what the user asked for (a value
  // certpilot could not read stays certbot's alone).
  if (std::optional<std::string> wait =
          conf.Get(kParams, plugin + "_propagation_seconds");
      wait && !wait->empty() && wait->size() < 6 &&
      std::all_of(wait->begin(), wait->end(), ::isdigit) &&
      std::stoi(*wait) <= 86400 &&
      !conf.Get(kParams, "dns_propagation_seconds"))
    conf.Set(kParams, "dns_propagation_seconds", *wait);
  if (conf.Get(kParams, "must_staple") == "True" &&
      IsLetsEncryptServer(conf.Get(kParams, "server").value_or(""))) {
    conf.Remove(kParams, "must_staple");
    log::Warning(name +
                 ": must_staple dropped: Let's Encrypt has rejected "
                 "Must-Staple certificates since May 2025; the renewed "
                 "certificate will not have it");
  }
}

// Warns about what keeps a lineage from renewing as it is, before anything
// is written. Returns true if something does.
bool ReportRenewalProblems(const ImportOptions& o, RunContext& ctx,
                           Services& services, const std::string& name,
                           const std::vector<std::string>& domains,
                           const RenewalSettings& s) {
  bool problem = false;
  try {
    CheckLineageAuthenticator(name, s.authenticator, domains,
                              o.common.config_dir);
    // As the timer's renew sees it: nobody to ask.
    SolverEnvironment env = SolverEnvironmentFor(ctx, services);
    env.prompter = nullptr;
    SolverSet(env).Check(s);
  } catch (const Error& e) {
    problem = true;
    log::Warning(name + " will not renew as it is: " + e.what());
  }
  if (s.installer == "nginx")
    log::Warning(
        name +
        ": certbot installed it into nginx, whose configuration "
        "names certbot's files; to serve certpilot's renewals, run: " +
        InstallCommandFor(name, s.nginx, s.http01_port, o.common.config_dir));
  else if (s.installer == "apache")
    log::Warning(
        name +
        ": certbot installed it into Apache, whose configuration "
        "names certbot's files; to serve certpilot's renewals, run: " +
        InstallCommandFor(name, s.apache, s.http01_port, o.common.config_dir));
  else if (!s.installer.empty())
    log::Warning(
        name + ": certbot's installer \"" + StripControl(s.installer) +
        "\" is not in certpilot; renewed certificates are not reloaded into it "
        "(use a --deploy-hook)");
  return problem;
}

// The first pass: reads and translates every lineage's conf and says what
// will not renew, before anything is written.
std::vector<LineagePlan> PlanLineages(const ImportOptions& o,
                                      const storage::Layout& from,
                                      RunContext& ctx, Services& services,
                                      const std::vector<std::string>& names,
                                      Tally& tally) {
  storage::LineageStore source(ctx.fs(), from);
  std::vector<LineagePlan> plans;
  for (const std::string& name : names) {
    LineagePlan plan{name, std::nullopt, ""};
    if (ctx.lineages().AvailableName(name) != name) {  // skipped: see below
      plans.push_back(std::move(plan));
      continue;
    }
    try {
      storage::RenewalConf conf =
          storage::RenewalConf::Load(ctx.fs(), from.renewal_conf(name));
      TranslateConf(ctx, name, conf);
      RenewalSettings s =
          RenewalSettingsOf(conf, ctx.layout().renewal_conf(name));
      if (ReportRenewalProblems(o, ctx, services, name,
                                CurrentNames(ctx.fs(), source, name), s))
        ++tally.to_fix;
      plan.conf = std::move(conf);
    } catch (const Error& e) {
      plan.error = e.what();
    }
    plans.push_back(std::move(plan));
  }
  if (tally.to_fix)
    log::Warning(std::to_string(tally.to_fix) + " certificate" +
                 (tally.to_fix == 1 ? "" : "s") +
                 " will be imported but will not renew until changed as "
                 "said above; `certpilot renew` reports each until then");
  return plans;
}

void ImportLineage(const storage::Layout& from, RunContext& ctx,
                   Services& services, const LineagePlan& plan, Tally& tally) {
  const std::string& name = plan.name;
  if (ctx.lineages().AvailableName(name) != name) {
    ++tally.skipped;
    log::Warning(name +
                 ": a certificate of that name exists here already; skipped");
    return;
  }
  storage::LineageStore source(ctx.fs(), from);
  bool written = false;
  try {
    if (!plan.conf) throw Error(plan.error);
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
    // Last: until the conf is there, `renew` does not see the lineage.
    ctx.fs().MakeDirs(ctx.layout().renewal_root(), 0755);
    plan.conf->Save(ctx.fs(), ctx.layout().renewal_conf(name));
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

// Where a hook that is a link points, made absolute (the link moves).
std::string LinkTarget(sys::Filesystem& fs, const std::string& link,
                       const std::string& link_dir) {
  std::string target = fs.ReadLink(link);
  if (target.empty() || target[0] != '/') target = Join2(link_dir, target);
  return std::filesystem::path(target).lexically_normal();
}

// A hook is a file to copy, or a link to make again (certbot runs what a
// link points at).
void ImportHook(sys::Filesystem& fs, const std::string& src,
                const std::string& src_dir, const std::string& dst) {
  if (fs.IsSymlink(src))
    fs.Symlink(LinkTarget(fs, src, src_dir), dst);
  else
    fs.CreateFileExclusive(dst, fs.ReadFile(src), fs.Stat(src).mode & 0755,
                           std::nullopt);
}

// Whether the hook at `dst` is the one at `src` already.
bool SameHook(sys::Filesystem& fs, const std::string& src,
              const std::string& src_dir, const std::string& dst) {
  if (fs.IsSymlink(src) || fs.IsSymlink(dst))
    return fs.IsSymlink(src) && fs.IsSymlink(dst) &&
           fs.ReadLink(dst) == LinkTarget(fs, src, src_dir);
  return !fs.IsDir(dst) && fs.ReadFile(dst) == fs.ReadFile(src);
}

void ImportHooks(const storage::Layout& from, RunContext& ctx,
                 Services& services, Tally& tally) {
  sys::Filesystem& fs = ctx.fs();
  for (const char* phase : {"pre", "deploy", "post"}) {
    const std::string src_dir = Join2(from.renewal_hooks_dir(), phase);
    const std::string dst_dir = Join2(ctx.layout().renewal_hooks_dir(), phase);
    if (!fs.IsDir(src_dir)) continue;
    for (const std::string& entry : fs.ListDir(src_dir)) {
      const std::string src = Join2(src_dir, entry);
      const std::string dst = Join2(dst_dir, entry);
      const std::string shown =
          std::string("renewal-hooks/") + phase + "/" + StripControl(entry);
      if (entry[0] == '.' || (!fs.IsSymlink(src) && fs.IsDir(src))) continue;
      try {
        if (fs.Exists(dst)) {
          if (!SameHook(fs, src, src_dir, dst))
            log::Warning(shown +
                         " not imported: certpilot has a different hook of "
                         "that name");
          continue;
        }
        fs.MakeDirs(dst_dir, 0755);
        ImportHook(fs, src, src_dir, dst);
        ++tally.hooks;
        services.out << "imported hook " << shown << "\n";
      } catch (const Error& e) {
        ++tally.failed;
        log::Error(shown + " not imported: " + e.what());
      }
    }
  }
}

// certbot's cli.ini joins certpilot's (MergeCertbotCliIni says how).
void ImportCliIni(const storage::Layout& from, RunContext& ctx,
                  Services& services, Tally& tally) {
  sys::Filesystem& fs = ctx.fs();
  const std::string src = Join2(from.config_dir, "cli.ini");
  const std::string dst = Join2(ctx.layout().config_dir, "cli.ini");
  if (!fs.Exists(src)) return;
  try {
    std::optional<std::string> existing;
    mode_t mode = fs.Stat(src).mode & 0644;
    if (fs.Exists(dst)) {
      existing = fs.ReadFile(dst);
      mode = fs.Stat(dst).mode & 0666;
    }
    CliIniMerge merge = MergeCertbotCliIni(fs.ReadFile(src), src, existing);
    if (!merge.text) return;
    for (const std::string& note : merge.notes)
      log::Warning("cli.ini: " + StripControl(note));
    sys::WriteFileAtomic(fs, dst, *merge.text, mode);
    services.out << (existing ? "added certbot's options from " : "imported ")
                 << src << (existing ? " to " : " as ") << dst << "\n";
  } catch (const Error& e) {
    ++tally.failed;
    log::Error(src + " not imported: " + e.what());
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

  RunContext ctx(o.common, services, TreeLock::kExclusive);
  Tally tally;
  ImportAccounts(from, ctx, services, tally);
  storage::LineageStore source(ctx.fs(), from);
  std::vector<std::string> names = o.cert_name.empty()
                                       ? source.ListNames()
                                       : std::vector<std::string>{o.cert_name};
  for (const LineagePlan& plan :
       PlanLineages(o, from, ctx, services, names, tally))
    ImportLineage(from, ctx, services, plan, tally);
  ImportHooks(from, ctx, services, tally);
  ImportCliIni(from, ctx, services, tally);
  services.out << "Imported " << tally.lineages << " certificate"
               << (tally.lineages == 1 ? "" : "s") << ", " << tally.accounts
               << " account" << (tally.accounts == 1 ? "" : "s") << " and "
               << tally.hooks << " hook" << (tally.hooks == 1 ? "" : "s")
               << " from " << o.from << "; " << tally.skipped << " skipped, "
               << tally.failed << " failed.\n";
  return tally.failed ? 1 : 0;
}

}  // namespace certpilot::app
