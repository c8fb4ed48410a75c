// Small pieces the DNS provider API contract fakes (cloudflare_fake.h, ...)
// share: JSON answers, id checks and names as the APIs show them.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "http/http_client.h"
#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"

namespace certpilot::testing {

// `status` with `body` as application/json.
http::Response JsonReply(int status, const nlohmann::json& body);

// True for a non-empty string of decimal digits.
bool AllDigits(const std::string& s);

// Page `page` (from 1) of `items` by `per_page`: the page's items and how
// many pages there are (at least 1), for the fakes' paged lists.
struct ListPage {
  nlohmann::json items;  // an array
  int pages = 1;
};
ListPage PageOf(const nlohmann::json& items, int page, int per_page);

// The record's name relative to its zone, `apex` for the zone itself:
// "_acme-challenge.www" for _acme-challenge.www.example.com.
std::string RelativeTo(const FakeTxtRecord& r, const std::string& apex);

// The request's body as a JSON object. Records a violation in `zones` for
// a body without Content-Type application/json, one that is not a JSON
// object (then returns null) and every field not in `allowed`.
nlohmann::json JsonObjectBody(const HttpsRequest& request, FakeDnsZones& zones,
                              const std::set<std::string>& allowed);

// Removes record `id` when it is in `zone` ("" = any zone); false when it
// is not there.
bool RemoveFromZone(FakeDnsZones& zones, const std::string& zone,
                    const std::string& id);

}  // namespace certpilot::testing
