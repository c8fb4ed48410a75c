// AWS Signature Version 4 against AWS's published test suite: the cases of
// the "Signature Version 4 Test Suite" once at docs.aws.amazon.com/general/
// latest/gr/signature-v4-test-suite.html, now kept by AWS in
// github.com/awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/<case>/
// (request.txt, header-canonical-request.txt, header-string-to-sign.txt,
// header-signature.txt). Every case signs with the suite's example
// credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region
// us-east-1, service "service", at 2015-08-30T12:36:00Z.
#include "dns_providers/aws_sigv4.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

constexpr char kEmptyHash[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kDate[] = "20150830T123600Z";

AwsKey SuiteKey() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
}

SigV4Input Input(std::string method, std::string path, std::string query,
                 http::Headers extra = {}, std::string hash = kEmptyHash) {
  SigV4Input in;
  in.method = std::move(method);
  in.path = std::move(path);
  in.query = std::move(query);
  in.headers = {{"Host", "example.amazonaws.com"}};
  for (auto& h : extra) in.headers.push_back(std::move(h));
  in.headers.emplace_back("X-Amz-Date", kDate);
  in.payload_hash = std::move(hash);
  return in;
}

std::string Signature(const SigV4Input& in) {
  return SigV4Signature(SuiteKey(), "us-east-1", "service", kDate, in);
}

// get-vanilla, step by step: the suite's canonical request, string to sign,
// signature and Authorization header.
TEST(AwsSigV4Test, GetVanillaEveryStep) {
  const SigV4Input in = Input("GET", "/", "");
  const std::string creq = SigV4CanonicalRequest(in);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(
      SigV4StringToSign(kDate, "20150830/us-east-1/service/aws4_request", creq),
      "AWS4-HMAC-SHA256\n20150830T123600Z\n"
      "20150830/us-east-1/service/aws4_request\n"
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(
      SigV4Authorization(SuiteKey(), "us-east-1", "service", kDate, in),
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
      "aws4_request, SignedHeaders=host;x-amz-date, "
      "Signature="
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(AwsSigV4Test, SuiteSignatures) {
  struct Case {
    const char* name;
    SigV4Input in;
    const char* signature;
  };
  const Case cases[] = {
      {"post-vanilla", Input("POST", "/", ""),
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", Input("POST", "/", "Param1=value1"),
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"get-vanilla-query-order-key-case",
       Input("GET", "/", "Param2=value2&Param1=value1"),
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       Input("GET", "/",
             "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy"
             "z=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
             "xyz"),
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query", Input("GET", "/", "\xe1\x88\xb4=bar"),
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-utf8", Input("GET", "/\xe1\x88\xb4", ""),
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-unreserved",
       Input("GET",
             "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
             "yz",
             ""),
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-space-unnormalized", Input("GET", "/example space/", ""),
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-header-key-duplicate",
       Input("GET", "/", "",
             {{"My-Header1", "value2"},
              {"My-Header1", "value2"},
              {"My-Header1", "value1"}}),
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       Input("GET", "/", "",
             {{"My-Header1", "value4"},
              {"My-Header1", "value1"},
              {"My-Header1", "value3"},
              {"My-Header1", "value2"}}),
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       Input("GET", "/", "",
             {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-header-key-sort",
       Input("POST", "/", "", {{"My-Header1", "value1"}}),
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-x-www-form-urlencoded",
       Input("POST", "/", "",
             {{"Content-Type", "application/x-www-form-urlencoded"},
              {"Content-Length", "13"},
              {"X-Amz-Content-Sha256",
               crypto::HexLower(crypto::Sha256("Param1=value1"))}},
             crypto::HexLower(crypto::Sha256("Param1=value1"))),
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
  };
  for (const Case& c : cases) EXPECT_EQ(Signature(c.in), c.signature) << c.name;
}

TEST(AwsSigV4Test, CanonicalFormsOfTheSuite) {
  // get-header-value-trim's and get-utf8's canonical requests.
  EXPECT_EQ(SigV4CanonicalRequest(Input(
                "GET", "/", "",
                {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}})),
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
            "my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
            "host;my-header1;my-header2;x-amz-date\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(
      Split(SigV4CanonicalRequest(Input("GET", "/%E1%88%B4", "")), '\n')[1],
      "/%E1%88%B4");
}

// The worked example of AWS's SigV4 documentation ("Examples of how to
// derive a signing key", docs.aws.amazon.com/general/latest/gr/
// signature-v4-examples.html): secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
// 20120215, us-east-1, iam.
TEST(AwsSigV4Test, SigningKeyOfTheDocumentationExample) {
  EXPECT_EQ(crypto::HexLower(
                SigV4SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(AwsSigV4Test, SignRequestAddsTheHeadersItSigned) {
  http::Request r;
  r.method = "POST";
  r.url = "https://127.0.0.1:8443/2013-04-01/hostedzone/Z1/rrset/";
  r.headers = {{"Content-Type", "text/xml"}};
  r.body = "<x/>";
  AwsKey key = SuiteKey();
  key.session_token = "token";
  SignSigV4(r, key, "us-east-1", "route53",
            std::chrono::system_clock::from_time_t(1440938160));
  ASSERT_EQ(r.headers.size(), 5u);
  EXPECT_EQ(r.headers[1],
            (std::pair<std::string, std::string>{"Host", "127.0.0.1:8443"}));
  EXPECT_EQ(r.headers[2].second, kDate);
  EXPECT_EQ(r.headers[3].first, "X-Amz-Security-Token");
  EXPECT_EQ(r.headers[4].first, "Authorization");
  SigV4Input in;
  in.method = "POST";
  in.path = "/2013-04-01/hostedzone/Z1/rrset/";
  in.headers.assign(r.headers.begin(), r.headers.begin() + 4);
  in.payload_hash = crypto::HexLower(crypto::Sha256("<x/>"));
  EXPECT_EQ(r.headers[4].second,
            SigV4Authorization(key, "us-east-1", "route53", kDate, in));
  EXPECT_NE(
      r.headers[4].second.find("SignedHeaders=content-type;host;x-amz-date;"
                               "x-amz-security-token, "),
      std::string::npos);
}

}  // namespace
}  // namespace certpilot::dns_providers
