#include "support/fake_api_replies.h"

namespace certpilot::testing {

http::Response JsonReply(int status, const nlohmann::json& body) {
  return {status, {{"Content-Type", "application/json"}}, body.dump()};
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
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
