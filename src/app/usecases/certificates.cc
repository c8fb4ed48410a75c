#include "app/usecases/certificates.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "acme/identifier.h"
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

nlohmann::json ToJson(const LineageInfo& i) {
  auto time = [&](TimePoint t) -> nlohmann::json {
    if (!i.problem.empty()) return nullptr;
    return FormatRfc3339(t);
  };
  return {{"name", i.name},
          {"domains", i.domains},
          {"serial", i.serial},
          {"key_type", i.key_type},
          {"not_before", time(i.not_before)},
          {"not_after", time(i.not_after)},
          {"renew_after", time(i.renew_after)},
          {"cert_path", i.cert_path},
          {"chain_path", i.chain_path},
          {"fullchain_path", i.fullchain_path},
          {"privkey_path", i.privkey_path},
          {"server", i.server},
          {"valid", i.valid}};
}

void PrintBlock(std::ostream& out, const LineageInfo& i, TimePoint now) {
  out << "  Certificate Name: " << i.name << "\n";
  if (!i.problem.empty()) {
    out << "    INVALID: " << i.problem << "\n";
    return;
  }
  long days = std::chrono::duration_cast<std::chrono::hours>(i.not_after - now)
                  .count() /
              24;
  out << "    Serial Number: " << i.serial << "\n"
      << "    Key Type: " << i.key_type << "\n"
      << "    Identifiers: " << Join(i.domains, " ") << "\n"
      << "    Expiry Date: " << FormatRfc3339(i.not_after)
      << (i.valid ? " (VALID: " + std::to_string(days) + " days)"
                  : " (INVALID)")
      << "\n"
      << "    Renews After: " << FormatRfc3339(i.renew_after) << "\n"
      << "    Certificate Path: " << i.fullchain_path << "\n"
      << "    Private Key Path: " << i.privkey_path << "\n";
}

}  // namespace

int Certificates(const CertificatesOptions& o, Services& services) {
  std::vector<std::string> wanted;
  for (const acme::Identifier& id : acme::ParseIdentifierInputs(o.domains))
    wanted.push_back(id.value);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  RunContext ctx(o.common, services, /*take_lock=*/false);

  std::vector<LineageInfo> shown;
  for (const std::string& name : ctx.lineages().ListNames()) {
    LineageInfo info = InspectLineage(ctx, name);
    if (Selected(o, info, wanted)) shown.push_back(std::move(info));
  }
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const LineageInfo& i : shown) arr.push_back(ToJson(i));
    services.out << arr.dump(2) << "\n";
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
