// JSON Web Keys (RFC 7517/7518) and RFC 7638 thumbprints, checked against
// OpenSSL's own view of the key.
#include "crypto/jwk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <map>
#include <set>
#include <string>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/jws.h"
#include "unit/crypto/crypto_test_util.h"
#include "util/base64url.h"

namespace certpilot::crypto {
namespace {

using test_util::BnParamBytes;
using test_util::CachedKey;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string Decode(const std::string& b64url) {
  std::optional<std::string> bytes = Base64UrlDecode(b64url);
  EXPECT_TRUE(bytes.has_value()) << b64url;
  return bytes.value_or("");
}

// Extracts the value of `"member":"value"` from a flat JSON object.
std::string JsonMember(const std::string& json, const std::string& member) {
  const std::string key = "\"" + member + "\":\"";
  size_t start = json.find(key);
  if (start == std::string::npos) return {};
  start += key.size();
  return json.substr(start, json.find('"', start) - start);
}

// ---- Private JWK members, for every supported spec ----------------------

class JwkParamTest : public ::testing::TestWithParam<const char*> {};

TEST_P(JwkParamTest, PrivateJwkFieldsRoundTrip) {
  const PrivateKey& key = CachedKey(GetParam());
  std::map<std::string, std::string> fields = PrivateJwkFields(key);
  std::set<std::string> members;
  for (const auto& [member, value] : fields) {
    members.insert(member);
    if (member != "kty" && member != "crv") {
      EXPECT_TRUE(IsBase64Url(value)) << member;
    }
  }
  if (key.Spec().type == KeyType::kRsa) {
    EXPECT_EQ(members, (std::set<std::string>{"d", "dp", "dq", "e", "kty", "n",
                                              "p", "q", "qi"}));
    EXPECT_EQ(fields["kty"], "RSA");
    // RFC 7518 §2 Base64urlUInt: no leading zero octets.
    for (const char* m : {"n", "e", "d", "p", "q", "dp", "dq", "qi"}) {
      EXPECT_NE(Decode(fields[m]).front(), '\0') << m;
    }
    EXPECT_EQ(Decode(fields["d"]), BnParamBytes(key.get(), "d"));
  } else {
    EXPECT_EQ(members, (std::set<std::string>{"crv", "d", "kty", "x", "y"}));
    EXPECT_EQ(fields["kty"], "EC");
    const size_t width = key.Spec().curve == "secp384r1" ? 48 : 32;
    EXPECT_EQ(fields["crv"], width == 48 ? "P-384" : "P-256");
    EXPECT_EQ(Decode(fields["d"]).size(), width);
    std::string priv = BnParamBytes(key.get(), OSSL_PKEY_PARAM_PRIV_KEY);
    EXPECT_EQ(Decode(fields["d"]),
              std::string(width - priv.size(), '\0') + priv);
  }
  // The public members agree with PublicJwk().
  const std::string jwk = PublicJwk(key);
  for (const char* m : {"n", "e", "x", "y", "crv", "kty"}) {
    if (fields.count(m) != 0) {
      EXPECT_EQ(JsonMember(jwk, m), fields[m]) << m;
    }
  }

  PrivateKey restored = PrivateKeyFromJwkFields(fields);
  EXPECT_EQ(EVP_PKEY_eq(restored.get(), key.get()), 1);
  EXPECT_EQ(restored.ToPem(), key.ToPem());
  EXPECT_EQ(PrivateJwkFields(restored), fields);
  // The restored private half really is the private half: it signs for the
  // original public key.
  const std::string sig = SignJws(restored, "payload");
  EXPECT_TRUE(test_util::VerifyJwsSignature(key.get(), JwsAlgorithm(key),
                                            "payload", sig));
}

INSTANTIATE_TEST_SUITE_P(AllSpecs, JwkParamTest,
                         ::testing::ValuesIn(test_util::kAllSpecNames),
                         test_util::SpecTestName);

// ---- JWK and thumbprint ---------------------------------------------------

TEST(JwkThumbprintTest, Rfc7638Section3_1Example) {
  // The RSA key of RFC 7638 §3.1, in the canonical form of §3.2/§3.3.
  const std::string n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"
      "aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"
      "Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
      "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"
      "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  const std::string canonical =
      "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" + n + "\"}";
  EXPECT_EQ(Base64UrlEncode(Sha256(canonical)),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkThumbprintTest, EcPublicJwkIsCanonicalAndHoldsThePublicPoint) {
  for (const char* name : {"ecdsa-p256", "ecdsa-p384"}) {
    const PrivateKey& key = CachedKey(name);
    const bool p384 = std::string(name) == "ecdsa-p384";
    const std::string jwk = PublicJwk(key);
    // 32 bytes → 43 base64url characters, 48 → 64.
    const std::string coord = p384 ? "[A-Za-z0-9_-]{64}" : "[A-Za-z0-9_-]{43}";
    EXPECT_THAT(jwk, MatchesRegex(std::string("\\{\"crv\":\"") +
                                  (p384 ? "P-384" : "P-256") +
                                  "\",\"kty\":\"EC\",\"x\":\"" + coord +
                                  "\",\"y\":\"" + coord + "\"\\}"));
    // The uncompressed point 04 || x || y, as OpenSSL encodes it.
    unsigned char point[200];
    size_t point_len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(
                  key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                  sizeof(point), &point_len),
              1);
    EXPECT_EQ(
        "\x04" + Decode(JsonMember(jwk, "x")) + Decode(JsonMember(jwk, "y")),
        std::string(reinterpret_cast<char*>(point), point_len));
    EXPECT_EQ(JwkThumbprint(key), Base64UrlEncode(Sha256(jwk)));
    EXPECT_EQ(JwkThumbprint(key).size(), 43u);
  }
}

TEST(JwkThumbprintTest, RsaPublicJwkIsCanonicalAndHoldsNAndE) {
  const PrivateKey& key = CachedKey("rsa-2048");
  const std::string jwk = PublicJwk(key);
  EXPECT_THAT(jwk, MatchesRegex("\\{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\""
                                "[A-Za-z0-9_-]+\"\\}"));
  const std::string n = Decode(JsonMember(jwk, "n"));
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(n.front(), '\0');  // no leading zero octet (RFC 7518 §6.3.1.1)
  EXPECT_EQ(n, BnParamBytes(key.get(), OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(Decode(JsonMember(jwk, "e")),
            BnParamBytes(key.get(), OSSL_PKEY_PARAM_RSA_E));
  EXPECT_EQ(JwkThumbprint(key), Base64UrlEncode(Sha256(jwk)));
}

TEST(JwkThumbprintTest, EcCoordinatesKeepLeadingZeroBytes) {
  // About 1 key in 128 has a coordinate below 2^248; find one and check that
  // it is still encoded in the full 32 bytes (RFC 7518 §6.2.1.2).
  for (int i = 0; i < 20000; ++i) {
    PrivateKey key = PrivateKey::Generate({});
    std::string x = BnParamBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    std::string y = BnParamBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (x.size() == 32 && y.size() == 32) continue;
    const std::string jwk = PublicJwk(key);
    EXPECT_EQ(Decode(JsonMember(jwk, "x")).size(), 32u) << jwk;
    EXPECT_EQ(Decode(JsonMember(jwk, "y")).size(), 32u) << jwk;
    EXPECT_EQ(PublicJwk(PrivateKeyFromJwkFields(PrivateJwkFields(key))), jwk);
    return;
  }
  FAIL() << "no key with a short coordinate in 20000 tries";
}

// ---- PrivateKeyFromJwkFields errors
// --------------------------------------------------

// Expects PrivateKeyFromJwkFields(fields) to throw a CryptoError mentioning
// `needle`.
void ExpectJwkError(const std::map<std::string, std::string>& fields,
                    const std::string& needle) {
  try {
    PrivateKeyFromJwkFields(fields);
    ADD_FAILURE() << "no exception; expected one mentioning " << needle;
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(needle));
  }
}

TEST(FromJwkFieldsTest, NamesTheMissingMember) {
  for (const char* name : {"ecdsa-p256", "rsa-2048"}) {
    const auto fields = PrivateJwkFields(CachedKey(name));
    for (const auto& [member, value] : fields) {
      auto partial = fields;
      partial.erase(member);
      ExpectJwkError(partial, "\"" + member + "\" is missing");
    }
  }
}

TEST(FromJwkFieldsTest, NamesTheMalformedMember) {
  auto ec = PrivateJwkFields(CachedKey("ecdsa-p256"));
  auto bad = ec;
  bad["x"] = "not base64url!";
  ExpectJwkError(bad, "\"x\"");
  bad = ec;
  bad["y"] = Base64UrlEncode(std::string(31, '\x01'));
  ExpectJwkError(bad, "\"y\" must be 32 bytes");
  bad = ec;
  bad["d"] = "";
  ExpectJwkError(bad, "\"d\"");
  bad = ec;
  bad["kty"] = "oct";
  ExpectJwkError(bad, "\"kty\"");
  bad = ec;
  bad["crv"] = "P-521";
  ExpectJwkError(bad, "\"crv\"");

  auto rsa = PrivateJwkFields(CachedKey("rsa-2048"));
  bad = rsa;
  bad["qi"] = "@@";
  ExpectJwkError(bad, "\"qi\"");
  bad = rsa;
  bad["oth"] = "[]";
  ExpectJwkError(bad, "\"oth\"");
}

TEST(FromJwkFieldsTest, IgnoresOptionalMembers) {
  auto fields = PrivateJwkFields(CachedKey("ecdsa-p384"));
  fields["kid"] = "key-1";
  fields["alg"] = "ES384";
  fields["use"] = "sig";
  PrivateKey key = PrivateKeyFromJwkFields(fields);
  EXPECT_EQ(PublicJwk(key), PublicJwk(CachedKey("ecdsa-p384")));
}

TEST(FromJwkFieldsTest, RejectsPointNotOnCurve) {
  auto fields = PrivateJwkFields(CachedKey("ecdsa-p256"));
  std::string y = Decode(fields["y"]);
  y.back() = static_cast<char>(y.back() ^ 1);
  fields["y"] = Base64UrlEncode(y);
  EXPECT_THROW(PrivateKeyFromJwkFields(fields), CryptoError);
}

TEST(FromJwkFieldsTest, RejectsPrivatePartOfAnotherKey) {
  for (const char* name : {"ecdsa-p256", "rsa-2048"}) {
    auto fields = PrivateJwkFields(CachedKey(name));
    auto other =
        PrivateJwkFields(PrivateKey::Generate(*KeySpec::FromName(name)));
    fields["d"] = other["d"];
    EXPECT_THROW(PrivateKeyFromJwkFields(fields), CryptoError) << name;
  }
  // Inconsistent CRT parameters are caught too.
  auto rsa = PrivateJwkFields(CachedKey("rsa-2048"));
  auto other = PrivateJwkFields(CachedKey("rsa-3072"));
  rsa["dp"] = other["dp"];
  EXPECT_THROW(PrivateKeyFromJwkFields(rsa), CryptoError);
}

}  // namespace
}  // namespace certpilot::crypto
