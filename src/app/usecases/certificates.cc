#include "app/usecases/certificates.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "acme/identifier.h"
#include "app/rules/ari_schedule.h"
#include "app/rules/backoff.h"
#include "app/rules/renewal_policy.h"
#include "app/types/json_text.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/fleet_connection.h"
#include "app/wiring/fleet_lineages.h"
#include "app/wiring/fleet_nodes.h"
#include "app/wiring/lineage_info.h"
#include "etcd/etcd_error.h"
#include "fleet/lineage_index.h"
#include "fleet/lineage_record.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

bool Selected(const CertificatesOptions& o, const LineageInfo& info,
              const std::vector<std::string>& wanted_domains) {
  if (!o.cert_name.empty() && info.name != o.cert_name) return false;
  for (const std::string& d : wanted_domains)
    if (std::find(info.domains.begin(), info.domains.end(), d) ==
        info.domains.end())
      return false;
  return true;
}

// The stored ARI answer about the lineage's current certificate, if any.
std::optional<AriWindow> AriWindowOf(RunContext& ctx, const LineageInfo& i) {
  if (!i.problem.empty() || i.ari_cert_id.empty()) return std::nullopt;
  std::optional<AriState> s = LoadAriState(ctx.fs(), ctx.layout(), i.name);
  if (!s || s->cert_id != i.ari_cert_id) return std::nullopt;
  return AriWindow{s->window_start, s->window_end, s->selected, s->next_check};
}

CertificateListing ListingOf(const LineageInfo& i,
                             const std::optional<AriWindow>& ari) {
  CertificateListing l;
  l.name = i.name;
  l.domains = i.domains;
  l.serial = i.serial;
  l.key_type = i.key_type;
  if (i.problem.empty()) {  // a damaged lineage has no dates to show
    l.not_before = i.not_before;
    l.not_after = i.not_after;
    l.renew_after = i.renew_after;
  }
  l.cert_path = i.cert_path;
  l.chain_path = i.chain_path;
  l.fullchain_path = i.fullchain_path;
  l.privkey_path = i.privkey_path;
  l.server = i.server;
  l.valid = i.valid;
  l.renewal_failure = CurrentFailures(i.history, i.serial);
  l.ari_window = ari;
  return l;
}

void PrintBlock(std::ostream& out, const LineageInfo& i,
                const std::optional<AriWindow>& ari, TimePoint now) {
  out << "  Certificate Name: " << i.name << "\n";
  if (!i.problem.empty()) {
    out << "    INVALID: " << i.problem << "\n";
    return;
  }
  // Days, or hours for a short-lived certificate (a 160-hour one would
  // show "6 days" and then "0 days" for all of its last day) and when less
  // than two days remain.
  const long hours =
      std::chrono::duration_cast<std::chrono::hours>(i.not_after - now).count();
  const bool short_lived = i.not_after - i.not_before < kShortLifetime;
  const std::string left =
      hours < 48 || short_lived
          ? std::to_string(hours) + (hours == 1 ? " hour" : " hours")
          : std::to_string(hours / 24) + " days";
  out << "    Serial Number: " << i.serial << "\n"
      << "    Key Type: " << i.key_type << "\n"
      << "    Identifiers: " << Join(i.domains, " ") << "\n"
      << "    Expiry Date: " << FormatRfc3339(i.not_after)
      << (i.valid ? " (VALID: " + left + ")" : " (INVALID)") << "\n"
      << "    Renews After: " << FormatRfc3339(i.renew_after) << "\n";
  if (ari)
    out << "    ARI Window: " << FormatRfc3339(ari->start) << " to "
        << FormatRfc3339(ari->end) << " (renews at "
        << FormatRfc3339(ari->selected) << "; asks again after "
        << FormatRfc3339(ari->next_check) << ")\n";
  out << "    Certificate Path: " << i.fullchain_path << "\n"
      << "    Private Key Path: " << i.privkey_path << "\n";
  if (std::optional<RenewalFailure> f = CurrentFailures(i.history, i.serial))
    out << "    Renewal Failed: " << FormatRfc3339(f->last_attempt) << " ("
        << f->failures << (f->failures == 1 ? " attempt" : " attempts in a row")
        << "): " << f->reason << "\n"
        << "    Next Attempt: " << FormatRfc3339(f->next_attempt) << "\n";
}

// Fleet mode (issue #17): one lineage as listed, with its fleet status
// (nullopt: only this node holds it).
struct FleetEntry {
  LineageInfo info;
  std::optional<AriWindow> ari;
  std::optional<FleetLineageStatus> fleet;
};

void PrintFleetLines(std::ostream& out, const FleetEntry& e) {
  if (!e.fleet) {
    out << "    Fleet: not in the fleet; `certpilot fleet push` uploads it\n";
    return;
  }
  out << "    Fleet Version: " << e.fleet->version << "\n";
  std::vector<std::string> deployed;
  for (const FleetLineageStatus::Deployed& d : e.fleet->deployed)
    deployed.push_back(
        StripControl(d.node) + " v" + std::to_string(d.version) + " serial " +
        (d.serial.empty() ? "?" : StripControl(d.serial)) +
        (d.time > 0 ? " (" + FormatRfc3339(FromUnixSeconds(d.time)) + ")"
                    : ""));
  out << "    Deployed: "
      << (deployed.empty() ? "(no node has reported it)" : Join(deployed, "; "))
      << "\n";
  if (!e.fleet->lagging.empty()) {
    std::vector<std::string> lagging;
    for (const std::string& node : e.fleet->lagging)
      lagging.push_back(StripControl(node));
    out << "    Lagging: " << Join(lagging, ", ") << "\n";
  }
}

// The fleet's lineages (each from its current version's public parts in
// etcd; sealed keys are never read, so a node without the fleet key lists
// too) with their deployment status, and this node's lineages the fleet
// lacks, in name order. etcd is read in a bounded number of requests: the
// registry, every `current` key and every deployment record (one range
// each, fleet_lineages.h), the `current` values (one transaction per 128
// lineages) and the current versions' cert and renewal keys (one per 64,
// fleet::PublicVersions): 5 requests for up to 64 lineages.
std::vector<FleetEntry> FleetListing(const CertificatesOptions& o,
                                     const FleetOptions& options,
                                     Services& services, RunContext& ctx,
                                     const std::vector<std::string>& wanted) {
  FleetConnection connection = ConnectFleet(options, services);
  std::vector<FleetLineageStatus> statuses;
  std::map<std::string, fleet::PublicVersion> versions;
  try {
    statuses =
        FleetLineageStatuses(*connection.etcd, options.prefix,
                             ListFleetNodes(*connection.etcd, options.prefix));
    std::map<std::string, int64_t> current;
    for (const FleetLineageStatus& l : statuses)
      if (o.cert_name.empty() || l.name == o.cert_name)
        current[l.name] = l.version;
    versions = fleet::PublicVersions(*connection.etcd, options.prefix, current);
  } catch (const etcd::EtcdError& e) {
    throw Error("cannot list the fleet's certificates: etcd (" +
                StripControl(Join(options.endpoints, ", ")) +
                ") could not be read: " + e.what());
  }
  std::vector<FleetEntry> shown;
  std::set<std::string> in_fleet;
  for (FleetLineageStatus& l : statuses) {
    in_fleet.insert(l.name);
    if (!o.cert_name.empty() && l.name != o.cert_name) continue;
    try {
      storage::LineageStore::ValidateName(l.name);
    } catch (const Error& e) {
      log::Warning("fleet lineage not listed: " + StripControl(e.what()));
      continue;
    }
    const fleet::PublicVersion& v = versions[l.name];
    LineageInfo info =
        InspectFleetVersion(ctx, l.name, v.cert, v.renewal,
                            fleet::LineagePrefix(options.prefix, l.name) + "v" +
                                std::to_string(l.version) + "/");
    if (!Selected(o, info, wanted)) continue;
    std::optional<AriWindow> ari = AriWindowOf(ctx, info);
    shown.push_back({std::move(info), ari, std::move(l)});
  }
  for (const std::string& name : ctx.lineages().ListNames()) {
    if (in_fleet.count(name)) continue;
    LineageInfo info = InspectLineage(ctx, name);
    if (!Selected(o, info, wanted)) continue;
    std::optional<AriWindow> ari = AriWindowOf(ctx, info);
    shown.push_back({std::move(info), ari, std::nullopt});
  }
  std::sort(shown.begin(), shown.end(),
            [](const FleetEntry& a, const FleetEntry& b) {
              return a.info.name < b.info.name;
            });
  return shown;
}

int FleetCertificates(const CertificatesOptions& o, Services& services,
                      RunContext& ctx, const std::vector<std::string>& wanted) {
  const FleetOptions options = CheckFleetOptions(o.fleet, services.fs);
  const std::vector<FleetEntry> shown =
      FleetListing(o, options, services, ctx, wanted);
  if (o.json) {
    std::vector<CertificateListing> listings;
    for (const FleetEntry& e : shown) {
      listings.push_back(ListingOf(e.info, e.ari));
      listings.back().fleet_mode = true;
      listings.back().fleet = e.fleet;
    }
    services.out << CertificatesJson(listings) << "\n";
    return 0;
  }
  if (shown.empty()) {
    services.out << "No certificates found in the fleet or on this node.\n";
    return 0;
  }
  services.out << "Found the following certificates (the fleet's under "
               << StripControl(options.prefix) << ", and this node's own):\n";
  for (const FleetEntry& e : shown) {
    PrintBlock(services.out, e.info, e.ari, services.clock.Now());
    PrintFleetLines(services.out, e);
  }
  return 0;
}

}  // namespace

int Certificates(const CertificatesOptions& o, Services& services) {
  std::vector<std::string> wanted;
  for (const acme::Identifier& id : acme::ParseIdentifierInputs(o.domains))
    wanted.push_back(id.value);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  RunContext ctx(o.common, services, TreeLock::kNone);
  if (o.fleet.enabled()) return FleetCertificates(o, services, ctx, wanted);

  std::vector<LineageInfo> shown;
  std::vector<std::optional<AriWindow>> ari;
  for (const std::string& name : ctx.lineages().ListNames()) {
    LineageInfo info = InspectLineage(ctx, name);
    if (!Selected(o, info, wanted)) continue;
    ari.push_back(AriWindowOf(ctx, info));
    shown.push_back(std::move(info));
  }
  if (o.json) {
    std::vector<CertificateListing> listings;
    for (size_t k = 0; k < shown.size(); ++k)
      listings.push_back(ListingOf(shown[k], ari[k]));
    services.out << CertificatesJson(listings) << "\n";
    return 0;
  }
  if (shown.empty()) {
    services.out << "No certificates found.\n";
    return 0;
  }
  services.out << "Found the following certificates:\n";
  for (size_t k = 0; k < shown.size(); ++k)
    PrintBlock(services.out, shown[k], ari[k], services.clock.Now());
  return 0;
}

}  // namespace certpilot::app
