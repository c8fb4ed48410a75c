// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_aws-signing.html), the request signing Amazon Route 53 requires:
//
//   canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n
//                       hex(SHA-256(body))
//   string to sign    = "AWS4-HMAC-SHA256" \n AMZDATE \n SCOPE \n
//                       hex(SHA-256(canonical request))
//   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, DATE), REGION),
//                       SERVICE), "aws4_request")
//   Authorization     = "AWS4-HMAC-SHA256 Credential=KEYID/SCOPE,
//                       SignedHeaders=SIGNED, Signature=hex(HMAC(key, sts))"
//
// with SCOPE = DATE/REGION/SERVICE/aws4_request. The canonical URI encodes
// each path segment once (the non-S3 rule applied to the decoded path; the
// paths certpilot sends have no "." or ".." segments, so normalization is
// not needed); the query's parameters are encoded and sorted; header names
// are lower-cased, values trimmed with inner runs of spaces collapsed,
// repeated headers joined with "," in order, and sorted by name.
//
// Checked against AWS's published SigV4 test suite
// (tests/unit/dns_providers/aws_sigv4_test.cc). Values in, values out;
// throws CryptoError only if OpenSSL fails. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "http/http_client.h"
#include "util/clock.h"

namespace certpilot::dns_providers {

struct AwsKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; else empty
};

// One request as it is signed: the path and query as they appear in the
// request line (percent-encoded or not), every header to sign (Host and
// X-Amz-Date among them), and the hex SHA-256 of the body.
struct SigV4Input {
  std::string method;
  std::string path;   // "/2013-04-01/hostedzone"
  std::string query;  // "marker=Z1&maxitems=100", without the "?"
  http::Headers headers;
  std::string payload_hash;
};

// "host;x-amz-date": the names of `headers`, lower-cased, sorted, unique.
std::string SigV4SignedHeaders(const http::Headers& headers);
std::string SigV4CanonicalRequest(const SigV4Input& input);
// `amz_date` is "20150830T123600Z"; `scope` "20150830/us-east-1/route53/
// aws4_request".
std::string SigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request);
// The raw 32-byte signing key for `date` ("20150830").
std::string SigV4SigningKey(std::string_view secret, std::string_view date,
                            std::string_view region, std::string_view service);
// The hex signature of `input` at `amz_date`, and the Authorization header
// value carrying it.
std::string SigV4Signature(const AwsKey& key, std::string_view region,
                           std::string_view service, std::string_view amz_date,
                           const SigV4Input& input);
std::string SigV4Authorization(const AwsKey& key, std::string_view region,
                               std::string_view service,
                               std::string_view amz_date,
                               const SigV4Input& input);

// "20150830T123600Z" (UTC).
std::string AmzDate(TimePoint t);

// Signs `request` for `service` in `region` at `now`: sets Host (from the
// URL), X-Amz-Date, X-Amz-Security-Token (when the key has a session token)
// and Authorization, signing every header the request carries. Add other
// headers first.
void SignSigV4(http::Request& request, const AwsKey& key,
               std::string_view region, std::string_view service,
               TimePoint now);

}  // namespace certpilot::dns_providers
