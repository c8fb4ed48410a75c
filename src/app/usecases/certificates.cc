#include "app/usecases/certificates.h"

#include <algorithm>
#include <ostream>

#include "acme/identifier.h"
#include "app/rules/backoff.h"
#include "app/types/json_text.h"
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

CertificateListing ListingOf(const LineageInfo& i) {
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
  return l;
}

void PrintBlock(std::ostream& out, const LineageInfo& i, TimePoint now) {
  out << "  Certificate Name: " << i.name << "\n";
  if (!i.problem.empty()) {
    out << "    INVALID: " << i.problem << "\n";
    return;
  }
  // Days, or hours when less than two days remain (a short-lived
  // certificate would otherwise show "0 days" for all of its last day).
  const long hours =
      std::chrono::duration_cast<std::chrono::hours>(i.not_after - now).count();
  const std::string left =
      hours < 48 ? std::to_string(hours) + (hours == 1 ? " hour" : " hours")
                 : std::to_string(hours / 24) + " days";
  out << "    Serial Number: " << i.serial << "\n"
      << "    Key Type: " << i.key_type << "\n"
      << "    Identifiers: " << Join(i.domains, " ") << "\n"
      << "    Expiry Date: " << FormatRfc3339(i.not_after)
      << (i.valid ? " (VALID: " + left + ")" : " (INVALID)") << "\n"
      << "    Renews After: " << FormatRfc3339(i.renew_after) << "\n"
      << "    Certificate Path: " << i.fullchain_path << "\n"
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
  for (const std::string& name : ctx.lineages().ListNames()) {
    LineageInfo info = InspectLineage(ctx, name);
    if (Selected(o, info, wanted)) shown.push_back(std::move(info));
  }
  if (o.json) {
    std::vector<CertificateListing> listings;
    for (const LineageInfo& i : shown) listings.push_back(ListingOf(i));
    services.out << CertificatesJson(listings) << "\n";
    return 0;
  }
  if (shown.empty()) {
    services.out << "No certificates found.\n";
    return 0;
  }
  services.out << "Found the following certificates:\n";
  for (const LineageInfo& i : shown)
    PrintBlock(services.out, i, services.clock.Now());
  return 0;
}

}  // namespace certpilot::app
