// Amazon Route 53 (`--dns-route53`), through its REST API version
// 2013-04-01 (docs.aws.amazon.com/Route53/latest/APIReference), every
// request signed with AWS Signature Version 4 (aws_sigv4.h; region
// us-east-1, service "route53").
//
// Credentials, as certbot-dns-route53 finds them through boto's chain: the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// then the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials; profile AWS_PROFILE, else "default"). certpilot also
// takes a credentials file of its own (--dns-route53-credentials, mode 600):
//   dns_route53_access_key_id = AKIAIOSFODNN7EXAMPLE
//   dns_route53_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//   dns_route53_session_token = ...            (optional)
//   dns_route53_api_url = https://...          (optional; an API proxy)
//
// The API: ListHostedZones (GET /2013-04-01/hostedzone, pages chained by
// IsTruncated/NextMarker → ?marker=), public zones only (as certbot: a
// private zone is not what the CA resolves); ListResourceRecordSets
// (GET .../hostedzone/ID/rrset?name=&type=TXT&maxitems=1) to read the TXT
// values at a name; ChangeResourceRecordSets (POST .../hostedzone/ID/rrset/,
// an XML ChangeBatch) with UPSERT (the whole RRset, the new value added) or
// DELETE (the exact RRset, when its last value goes); after an UPSERT,
// GetChange (GET /2013-04-01/change/ID) until the change is INSYNC on every
// Route 53 server (as certbot, up to two minutes). Errors are XML:
// <ErrorResponse><Error><Code>..</Code><Message>..</Message>; throttling is
// HTTP 400 with Code Throttling (or 429 behind some proxies).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dns_providers/aws_sigv4.h"
#include "http/http_client.h"
#include "solvers/dns_provider.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::dns_providers {

struct Route53Credentials {
  AwsKey key;
  std::string api_url = "https://route53.amazonaws.com";
};

// The certpilot credentials file's text. Throws UsageError naming the file,
// line and key (never a value).
Route53Credentials ParseRoute53Credentials(std::string_view text,
                                           const std::string& source);
// boto's order: `env` (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+
// AWS_SESSION_TOKEN]), else the shared credentials file (profile from
// AWS_PROFILE or "default"), read through `fs` after the 0600 check. Throws
// UsageError when neither holds a key pair.
Route53Credentials Route53CredentialsFromEnvironment(
    sys::Filesystem& fs, const std::map<std::string, std::string>& env);
// `path` non-empty: that file (0600 check, then parsed); else the
// environment of this process (Route53CredentialsFromEnvironment).
Route53Credentials LoadRoute53Credentials(sys::Filesystem& fs,
                                          const std::string& path);

struct Route53Options {
  // GetChange polling: every `poll_interval` until `insync_timeout`.
  Duration poll_interval = std::chrono::seconds(5);
  Duration insync_timeout = std::chrono::seconds(120);
};

// Thread-safe: calls are serialized (each change reads the RRset first).
class Route53Provider : public solvers::DnsProvider {
 public:
  // `http` and `clock` must outlive the provider. No I/O here.
  Route53Provider(Route53Credentials credentials, http::HttpClient& http,
                  Clock& clock, Route53Options options = {});

  std::string Describe() const override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  std::string FindZoneLocked(const std::string& name);
  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "");
  // The TXT values (unquoted) at `name` and their TTL.
  std::vector<std::string> TxtValues(const std::string& zone_id,
                                     const std::string& name,
                                     std::uint32_t* ttl);
  // Posts one change; returns its change id ("C2682N5HXP0BZ4").
  std::string Change(const std::string& zone_id, const std::string& action,
                     const std::string& name,
                     const std::vector<std::string>& values, std::uint32_t ttl);
  void WaitInSync(const std::string& change_id);
  const std::string& ZoneId(const std::string& zone);

  Route53Credentials credentials_;
  http::HttpClient& http_;
  Clock& clock_;
  Route53Options options_;
  std::mutex mu_;
  std::map<std::string, std::string> zone_ids_;  // name → "Z1D633PJN98FT9"
};

}  // namespace certpilot::dns_providers
