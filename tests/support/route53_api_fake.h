// A contract fake of the Amazon Route 53 REST API (2013-04-01,
// docs.aws.amazon.com/Route53/latest/APIReference) over the HttpClient seam,
// for the unit tests and, behind HttpsFakeServer, the integration test. It
// keeps hosted zones in memory and refuses what the API reference does not
// allow: a request whose SigV4 signature does not verify with the shared
// secret (or is dated more than 5 minutes off, or does not sign Host and
// X-Amz-Date), an unknown path, a ChangeBatch that is not well formed, a
// DELETE that does not name the RRset exactly as it is. ListHostedZones
// answers two zones a page (IsTruncated/NextMarker); a change is PENDING
// `pending_polls` times, then INSYNC. Errors come back as Route 53 sends them
// (<ErrorResponse><Error><Type/><Code/><Message/>).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.h"
#include "dns_providers/aws_sigv4.h"
#include "dns_providers/xml_text.h"
#include "http/http_client.h"
#include "util/clock.h"
#include "util/strings.h"

namespace certpilot::testing {

using dns_providers::AmzDate;
using dns_providers::SigV4Authorization;
using dns_providers::SigV4Input;
using dns_providers::XmlElements;
using dns_providers::XmlEscape;
using dns_providers::XmlText;

inline std::string Header(const http::Request& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (ToLower(n) == ToLower(name)) return v;
  return "";
}

class Route53ApiFake : public http::HttpClient {
 public:
  struct Zone {
    std::string id, name;
    bool private_zone;
  };
  struct RRset {
    std::vector<std::string> values;  // zone-file form, quoted
    unsigned long ttl;
  };

  // Requests must be signed by `key_id` with `secret`, dated now by `clock`
  // (±5 minutes), for Host `host`.
  Route53ApiFake(Clock& clock, std::string key_id, std::string secret,
                 std::string host_header)
      : clock_(clock),
        key_id_(std::move(key_id)),
        secret_(std::move(secret)),
        host(std::move(host_header)) {}

  void AddZone(const std::string& id, const std::string& name,
               bool private_zone = false) {
    zones.push_back({id, name, private_zone});
  }

  // Thread-safe (the HTTPS server calls it from its connection threads).
  http::Response Do(const http::Request& r) override {
    std::lock_guard<std::mutex> lock(mu);
    const size_t api = r.url.find("/2013-04-01");
    if (api == std::string::npos) return NotFound();
    std::string path = r.url.substr(api + 11);
    log.push_back(r.method + " " + path);
    if (next_status) {
      int status = *next_status;
      next_status.reset();
      return Error(status, next_code, next_message);
    }
    if (std::string why = SignatureProblem(r); !why.empty())
      return Error(403, "SignatureDoesNotMatch", why);
    std::string query;
    if (size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (r.method == "GET" && path == "/hostedzone") return ListZones(query);
    if (StartsWith(path, "/change/") && r.method == "GET") {
      const std::string id = path.substr(8);
      if (!changes.count(id))
        return Error(404, "NoSuchChange",
                     "A change with the specified change "
                     "ID does not exist.");
      const std::string status =
          changes[id]++ >= pending_polls ? "INSYNC" : "PENDING";
      return Ok(
          "<GetChangeResponse xmlns=\"https://route53.amazonaws.com/"
          "doc/2013-04-01/\"><ChangeInfo><Id>/change/" +
          id + "</Id><Status>" + status +
          "</Status><SubmittedAt>2026-12-04T10:00:00.000Z</"
          "SubmittedAt></ChangeInfo></GetChangeResponse>");
    }
    if (!StartsWith(path, "/hostedzone/")) return NotFound();
    std::vector<std::string> parts = Split(path.substr(12), '/');
    const Zone* zone = nullptr;
    for (const Zone& z : zones)
      if (z.id == parts[0]) zone = &z;
    if (!zone)
      return Error(404, "NoSuchHostedZone",
                   "No hosted zone found with ID: " + parts[0]);
    if (r.method == "GET" && parts.size() == 2 && parts[1] == "rrset")
      return ListRecords(*zone, query);
    if (r.method == "POST" && parts.size() == 3 && parts[1] == "rrset" &&
        parts[2].empty())
      return ChangeRecords(*zone, r);
    return NotFound();
  }

  static http::Response Ok(std::string body) {
    http::Response r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/xml"}};
    r.body = std::move(body);
    return r;
  }
  static http::Response Error(int status, const std::string& code,
                              const std::string& message) {
    http::Response r;
    r.status = status;
    r.headers = {{"Content-Type", "text/xml"}};
    r.body =
        "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://"
        "route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type>"
        "<Code>" +
        code + "</Code><Message>" + XmlEscape(message) +
        "</Message></Error><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb"
        "</RequestId></ErrorResponse>";
    return r;
  }
  static http::Response NotFound() {
    return Error(404, "UnknownOperationException", "no such operation");
  }

  // "" when `r` carries a valid SigV4 signature by kKeyId.
  std::string SignatureProblem(const http::Request& r) {
    const std::string auth = Header(r, "Authorization");
    const std::string date = Header(r, "X-Amz-Date");
    const std::string prefix = "AWS4-HMAC-SHA256 Credential=" + key_id_ + "/" +
                               date.substr(0, 8) +
                               "/us-east-1/route53/aws4_request, "
                               "SignedHeaders=";
    if (!StartsWith(auth, prefix)) return "bad credential scope: " + auth;
    const size_t comma = auth.find(", Signature=", prefix.size());
    if (comma == std::string::npos) return "no signature";
    const std::string signed_headers =
        auth.substr(prefix.size(), comma - prefix.size());
    const std::vector<std::string> names = Split(signed_headers, ';');
    for (const char* needed : {"host", "x-amz-date"})
      if (std::find(names.begin(), names.end(), needed) == names.end())
        return std::string(needed) + " is not signed";
    bool fresh = false;
    for (int minutes = -5; minutes <= 5; ++minutes)
      for (int s = 0; s < 60 && !fresh; ++s)
        fresh = date == AmzDate(clock_.Now() + std::chrono::minutes(minutes) +
                                std::chrono::seconds(s));
    if (!fresh)
      return "Signature expired: " + date + " is now earlier than " +
             AmzDate(clock_.Now() - std::chrono::minutes(5));
    SigV4Input in;
    in.method = r.method;
    const std::string after_host = r.url.substr(r.url.find('/', 8));
    const size_t q = after_host.find('?');
    in.path = after_host.substr(0, q);
    in.query = q == std::string::npos ? "" : after_host.substr(q + 1);
    for (const auto& [n, v] : r.headers)
      if (std::find(names.begin(), names.end(), ToLower(n)) != names.end())
        in.headers.emplace_back(n, v);
    if (Header(r, "Host") != host) return "Host is not the URL's";
    in.payload_hash = crypto::HexLower(crypto::Sha256(r.body));
    const std::string expected = SigV4Authorization(
        {key_id_, secret_, ""}, "us-east-1", "route53", date, in);
    if (auth != expected)
      return "The request signature we calculated does not match the "
             "signature you provided.";
    return "";
  }

  http::Response ListZones(const std::string& query) {
    size_t start = 0;
    if (StartsWith(query, "marker=")) {
      const std::string marker = query.substr(7);
      start = zones.size();
      for (size_t i = 0; i < zones.size(); ++i)
        if (zones[i].id == marker) start = i;
      if (start == zones.size())
        return Error(400, "InvalidInput", "bad marker");
    } else if (!query.empty()) {
      return Error(400, "InvalidInput", "unexpected query " + query);
    }
    std::string body =
        "<?xml version=\"1.0\"?>\n<ListHostedZonesResponse xmlns=\"https://"
        "route53.amazonaws.com/doc/2013-04-01/\"><HostedZones>";
    for (size_t i = start; i < zones.size() && i < start + 2; ++i)
      body += "<HostedZone><Id>/hostedzone/" + zones[i].id + "</Id><Name>" +
              zones[i].name +
              "</Name><CallerReference>ref</CallerReference>"
              "<Config><PrivateZone>" +
              (zones[i].private_zone ? "true" : "false") +
              "</PrivateZone></Config><ResourceRecordSetCount>2"
              "</ResourceRecordSetCount></HostedZone>";
    body += "</HostedZones>";
    const bool truncated = start + 2 < zones.size();
    body += std::string("<IsTruncated>") + (truncated ? "true" : "false") +
            "</IsTruncated>";
    if (truncated)
      body += "<NextMarker>" + zones[start + 2].id + "</NextMarker>";
    body += "<MaxItems>2</MaxItems></ListHostedZonesResponse>";
    ++zone_pages;
    return Ok(body);
  }

  http::Response ListRecords(const Zone& zone, const std::string& query) {
    std::map<std::string, std::string> q;
    for (const std::string& kv : Split(query, '&'))
      q[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    if (q["type"] != "TXT" || q["maxitems"] != "1" || q["name"].empty())
      return Error(400, "InvalidInput", "unexpected query " + query);
    std::string name = q["name"];
    for (size_t p; (p = name.find("%2E")) != std::string::npos;)
      name.replace(p, 3, ".");
    std::string body =
        "<?xml version=\"1.0\"?>\n<ListResourceRecordSetsResponse><"
        "ResourceRecordSets>";
    // The list starts at `name`: the next RRset in order when none is there.
    auto it = records[zone.id].lower_bound(name);
    if (it != records[zone.id].end()) {
      body += "<ResourceRecordSet><Name>" + it->first +
              "</Name><Type>TXT</Type><TTL>" + std::to_string(it->second.ttl) +
              "</TTL><ResourceRecords>";
      for (const std::string& v : it->second.values)
        body += "<ResourceRecord><Value>" + XmlEscape(v) +
                "</Value></ResourceRecord>";
      body += "</ResourceRecords></ResourceRecordSet>";
    }
    body +=
        "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1"
        "</MaxItems></ListResourceRecordSetsResponse>";
    return Ok(body);
  }

  http::Response ChangeRecords(const Zone& zone, const http::Request& r) {
    if (Header(r, "Content-Type") != "text/xml")
      return Error(400, "InvalidInput", "Content-Type is not text/xml");
    if (!StartsWith(r.body, "<?xml") ||
        r.body.find("<ChangeResourceRecordSetsRequest xmlns=\"https://"
                    "route53.amazonaws.com/doc/2013-04-01/\">") ==
            std::string::npos)
      return Error(400, "InvalidInput",
                   "not a ChangeResourceRecordSetsRequest");
    std::vector<std::string_view> changes_in = XmlElements(r.body, "Change");
    if (changes_in.size() != 1)
      return Error(400, "InvalidChangeBatch", "expected one change");
    const std::string action = XmlText(changes_in[0], "Action").value_or("");
    const std::string name = XmlText(changes_in[0], "Name").value_or("");
    const std::string type = XmlText(changes_in[0], "Type").value_or("");
    const std::string ttl = XmlText(changes_in[0], "TTL").value_or("");
    std::vector<std::string> values;
    for (std::string_view rec : XmlElements(changes_in[0], "ResourceRecord"))
      values.push_back(XmlText(rec, "Value").value_or(""));
    if (type != "TXT" || ttl.empty() || values.empty())
      return Error(400, "InvalidInput", "Invalid XML ; incomplete RRset");
    for (const std::string& v : values)
      if (v.size() < 2 || v.front() != '"' || v.back() != '"')
        return Error(400, "InvalidChangeBatch",
                     "Invalid Resource Record: FATAL problem: "
                     "InvalidCharacterString (Value should be enclosed in "
                     "quotation marks) encountered with '" +
                         v + "'");
    if (!EndsWith(name, "." + zone.name))
      return Error(400, "InvalidChangeBatch",
                   "RRSet with DNS name " + name +
                       " is not permitted in zone " + zone.name);
    auto& rrsets = records[zone.id];
    if (action == "UPSERT") {
      rrsets[name] = {values, std::stoul(ttl)};
    } else if (action == "DELETE") {
      auto it = rrsets.find(name);
      if (it == rrsets.end())
        return Error(400, "InvalidChangeBatch",
                     "Tried to delete resource record set [name='" + name +
                         "', type='TXT'] but it was not found");
      if (it->second.values != values || std::to_string(it->second.ttl) != ttl)
        return Error(400, "InvalidChangeBatch",
                     "Tried to delete resource record set [name='" + name +
                         "', type='TXT'] but the values provided do not "
                         "match the current values");
      rrsets.erase(it);
    } else {
      return Error(400, "InvalidInput", "bad action " + action);
    }
    if (on_change) {
      std::vector<std::string> now;
      if (rrsets.count(name))
        for (const std::string& v : rrsets[name].values)
          now.push_back(v.substr(1, v.size() - 2));
      on_change(name, now);
    }
    const std::string id = "C" + std::to_string(100 + changes.size());
    changes[id] = 0;
    actions.push_back(action + " " + name);
    return Ok(
        "<?xml version=\"1.0\"?>\n<ChangeResourceRecordSetsResponse>"
        "<ChangeInfo><Id>/change/" +
        id +
        "</Id><Status>PENDING</Status><SubmittedAt>2026-12-04T10:00:"
        "00.000Z</SubmittedAt></ChangeInfo>"
        "</ChangeResourceRecordSetsResponse>");
  }

  Clock& clock_;
  const std::string key_id_, secret_;
  std::string host;  // the Host header signed: "route53.test", "127.0.0.1:P"
  std::mutex mu;
  // GetChange answers PENDING this many times per change, then INSYNC.
  int pending_polls = 1;
  // Called (under mu) after each change with the name and its TXT values.
  std::function<void(const std::string& name,
                     const std::vector<std::string>& values)>
      on_change;
  std::vector<Zone> zones;
  std::map<std::string, std::map<std::string, RRset>> records;  // zone id →
  std::map<std::string, int> changes;  // change id → GetChange calls
  std::vector<std::string> log, actions;
  int zone_pages = 0;
  std::optional<int> next_status;
  std::string next_code = "Throttling", next_message = "Rate exceeded";
};

}  // namespace certpilot::testing
