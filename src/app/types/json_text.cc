#include "app/types/json_text.h"

#include <nlohmann/json.hpp>

namespace certpilot::app {
namespace {

nlohmann::json Time(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return FormatRfc3339(*t);
}

// {failures, last_attempt, reason, next_attempt}, or null.
nlohmann::json Failure(const std::optional<RenewalFailure>& f) {
  if (!f) return nullptr;
  return {{"failures", f->failures},
          {"last_attempt", FormatRfc3339(f->last_attempt)},
          {"reason", f->reason},
          {"next_attempt", FormatRfc3339(f->next_attempt)}};
}

nlohmann::json Window(const std::optional<AriWindow>& w) {
  if (!w) return nullptr;
  return {{"start", FormatRfc3339(w->start)},
          {"end", FormatRfc3339(w->end)},
          {"selected", FormatRfc3339(w->selected)},
          {"next_check", FormatRfc3339(w->next_check)}};
}

// A lineage's status in the fleet: {version, deployed: [{node, version,
// serial, time (RFC 3339 or null)}], lagging: [node names]}.
nlohmann::json FleetLineageJson(const FleetLineageStatus& l) {
  nlohmann::json deployed = nlohmann::json::array();
  for (const FleetLineageStatus::Deployed& d : l.deployed)
    deployed.push_back({{"node", d.node},
                        {"version", d.version},
                        {"serial", d.serial},
                        {"time", d.time > 0 ? Time(FromUnixSeconds(d.time))
                                            : nlohmann::json(nullptr)}});
  return {
      {"version", l.version}, {"deployed", deployed}, {"lagging", l.lagging}};
}

}  // namespace

std::string CertificatesJson(const std::vector<CertificateListing>& listings) {
  nlohmann::json arr = nlohmann::json::array();
  for (const CertificateListing& i : listings) {
    arr.push_back({{"name", i.name},
                   {"domains", i.domains},
                   {"serial", i.serial},
                   {"key_type", i.key_type},
                   {"not_before", Time(i.not_before)},
                   {"not_after", Time(i.not_after)},
                   {"renew_after", Time(i.renew_after)},
                   {"cert_path", i.cert_path},
                   {"chain_path", i.chain_path},
                   {"fullchain_path", i.fullchain_path},
                   {"privkey_path", i.privkey_path},
                   {"server", i.server},
                   {"valid", i.valid},
                   {"renewal_failure", Failure(i.renewal_failure)},
                   {"ari_window", Window(i.ari_window)}});
    if (i.fleet_mode)
      arr.back()["fleet"] =
          i.fleet ? FleetLineageJson(*i.fleet) : nlohmann::json(nullptr);
  }
  return arr.dump(2);
}

std::string RenewReportJson(const RenewReport& r) {
  nlohmann::json j = {{"renewed", nlohmann::json::array()},
                      {"not_due", nlohmann::json::array()},
                      {"failed", nlohmann::json::array()},
                      {"autorenew_disabled", nlohmann::json::array()},
                      {"backed_off", nlohmann::json::array()},
                      {"busy", nlohmann::json::array()},
                      {"dry_run", r.dry_run},
                      {"hook_failures", r.hook_failures},
                      {"installer_failures", r.installer_failures}};
  for (const RenewReport::Renewed& c : r.renewed)
    j["renewed"].push_back({{"name", c.name},
                            {"not_after", FormatRfc3339(c.not_after)},
                            {"dropped", c.dropped}});
  j["autorenew_disabled"] = r.autorenew_disabled;
  for (const RenewReport::NotDue& c : r.not_due)
    j["not_due"].push_back(
        {{"name", c.name}, {"renew_after", FormatRfc3339(c.renew_after)}});
  for (const RenewReport::BackedOff& b : r.backed_off) {
    nlohmann::json entry = Failure(b.failure);
    entry["name"] = b.name;
    j["backed_off"].push_back(entry);
  }
  for (const RenewReport::Busy& b : r.busy)
    j["busy"].push_back({{"name", b.name}, {"holder", b.holder}});
  for (const RenewReport::Failed& c : r.failed)
    j["failed"].push_back({{"name", c.name}, {"error", c.error}});
  return j.dump(2);
}

std::string AccountJson(const AccountReport& a) {
  nlohmann::json j = {{"server", a.server},    {"id", a.id},
                      {"url", a.url},          {"contact", a.contact},
                      {"status", a.status},    {"thumbprint", a.thumbprint},
                      {"profiles", a.profiles}};
  return j.dump(2);
}

std::string PluginsJson(const std::vector<PluginListing>& plugins) {
  nlohmann::json arr = nlohmann::json::array();
  for (const PluginListing& p : plugins)
    arr.push_back({{"name", p.name},
                   {"authenticator", p.authenticator},
                   {"installer", p.installer},
                   {"challenges", p.challenges},
                   {"needs", p.needs}});
  return arr.dump(2);
}

std::optional<std::vector<std::pair<std::string, std::string>>>
ParseWebrootMapJson(std::string_view text) {
  nlohmann::json j =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [names, path] : j.items())
    entries.emplace_back(names,
                         path.is_string() ? path.get<std::string>() : "");
  return entries;
}

std::optional<FleetNode> ParseFleetNode(const std::string& name,
                                        std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  FleetNode node;
  node.name = name;
  auto address = j.find("address");
  if (address != j.end() && address->is_string())
    node.address = address->get<std::string>();
  auto heartbeat = j.find("heartbeat");
  if (heartbeat != j.end() && heartbeat->is_number_integer())
    node.heartbeat = heartbeat->get<int64_t>();
  return node;
}

std::string FleetNodeJson(const FleetNode& node) {
  return nlohmann::json{{"address", node.address},
                        {"heartbeat", node.heartbeat}}
      .dump();
}

std::string FleetStatusJson(const std::string& prefix,
                            const std::vector<FleetNode>& nodes,
                            const std::vector<FleetLineageStatus>& lineages) {
  nlohmann::json list = nlohmann::json::array();
  for (const FleetNode& n : nodes) {
    list.push_back(
        {{"name", n.name},
         {"address", n.address},
         {"heartbeat", n.heartbeat > 0 ? Time(FromUnixSeconds(n.heartbeat))
                                       : nlohmann::json(nullptr)},
         {"lease", n.lease}});
  }
  nlohmann::json lineage_list = nlohmann::json::array();
  for (const FleetLineageStatus& l : lineages) {
    nlohmann::json entry = FleetLineageJson(l);
    entry["name"] = l.name;
    lineage_list.push_back(entry);
  }
  nlohmann::json j = {
      {"prefix", prefix}, {"nodes", list}, {"lineages", lineage_list}};
  return j.dump(2);
}

}  // namespace certpilot::app
