// DNS-01 values (RFC 8555 §8.4): the TXT digest against an independently
// computed vector, and where the record goes.
#include "solvers/dns01.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::solvers {
namespace {

TEST(Dns01Test, TxtValueIsBase64UrlSha256OfKeyAuthorization) {
  // printf %s KEYAUTH | openssl dgst -sha256 -binary | base64 | tr '+/' '-_'
  //   | tr -d '='
  EXPECT_EQ(Dns01TxtValue("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
                          "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"),
            "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");
  // SHA-256 of "" = e3b0c442...; base64url without padding.
  EXPECT_EQ(Dns01TxtValue(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ(Dns01TxtValue("x").size(), 43u);
}

TEST(Dns01Test, RecordNameUsesTheAuthorizationIdentifier) {
  EXPECT_EQ(Dns01RecordName({"dns", "example.com"}),
            "_acme-challenge.example.com");
  EXPECT_EQ(Dns01RecordName({"dns", "WWW.Example.COM."}),
            "_acme-challenge.www.example.com");
  // A wildcard authorization carries the base name; a stray "*." is dropped.
  EXPECT_EQ(Dns01RecordName({"dns", "*.example.com"}),
            "_acme-challenge.example.com");
}

TEST(Dns01Test, RecordNameRefusesIpIdentifiersAndEmptyNames) {
  EXPECT_THROW(Dns01RecordName({"ip", "192.0.2.1"}), UsageError);
  EXPECT_THROW(Dns01RecordName({"dns", "."}), UsageError);
}

TEST(Dns01Test, FqdnHasExactlyOneTrailingDot) {
  EXPECT_EQ(Fqdn("a.example.com"), "a.example.com.");
  EXPECT_EQ(Fqdn("a.example.com.."), "a.example.com.");
  EXPECT_EQ(Fqdn(""), ".");
}

}  // namespace
}  // namespace certpilot::solvers
