#include "app/usecases/certificates.h"

#include <algorithm>
#include <ostream>

#include "acme/identifier.h"
#include "app/rules/ari_schedule.h"
#include "app/rules/backoff.h"
#include "app/rules/renewal_policy.h"
#include "app/types/json_text.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/lineage_info.h"
#include "storage/lineage_store.h"
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

}  // namespace

int Certificates(const CertificatesOptions& o, Services& services) {
  std::vector<std::string> wanted;
  for (const acme::Identifier& id : acme::ParseIdentifierInputs(o.domains))
    wanted.push_back(id.value);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  RunContext ctx(o.common, services, TreeLock::kNone);

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
