#include "support/fake_api_replies.h"

namespace certpilot::testing {

http::Response JsonReply(int status, const nlohmann::json& body) {
  return {status, {{"Content-Type", "application/json"}}, body.dump()};
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

ListPage PageOf(const nlohmann::json& items, int page, int per_page) {
  ListPage out{nlohmann::json::array(), 1};
  const int total = static_cast<int>(items.size());
  for (int i = (page - 1) * per_page;
       i >= 0 && i < total && i < page * per_page; ++i)
    out.items.push_back(items[static_cast<size_t>(i)]);
  if (total > 0) out.pages = (total + per_page - 1) / per_page;
  return out;
}

std::string RelativeTo(const FakeTxtRecord& r, const std::string& apex) {
  if (r.name == r.zone) return apex;
  return r.name.substr(0, r.name.size() - r.zone.size() - 1);
}

nlohmann::json JsonObjectBody(const HttpsRequest& request, FakeDnsZones& zones,
                              const std::set<std::string>& allowed) {
  const std::string what = request.method + " " + request.target;
  if (request.Header("Content-Type").value_or("") != "application/json")
    zones.Violation(what + ": body without Content-Type application/json");
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    zones.Violation(what + ": body is not a JSON object");
    return nullptr;
  }
  for (const auto& [k, v] : body.items())
    if (!allowed.count(k)) zones.Violation(what + ": undocumented " + k);
  return body;
}

bool RemoveFromZone(FakeDnsZones& zones, const std::string& zone,
                    const std::string& id) {
  for (const FakeTxtRecord& r : zones.Records(zone))
    if (r.id == id) return zones.Remove(id);
  return false;
}

}  // namespace certpilot::testing
