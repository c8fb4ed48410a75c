#include "crypto/private_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>
#include <set>
#include <string>

#include "crypto/crypto_error.h"
#include "unit/crypto/crypto_test_util.h"
#include "util/base64url.h"

namespace certpilot::crypto {
namespace {

using test_util::BnParamBytes;
using test_util::CachedKey;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Writes `key` with OpenSSL's own PEM writer, in the traditional
// ("BEGIN EC PRIVATE KEY" / "BEGIN RSA PRIVATE KEY") structure.
std::string TraditionalPem(const PrivateKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(bio, key.get(), nullptr, nullptr, 0,
                                       nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

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

// ---- KeySpec -------------------------------------------------------------

TEST(KeySpecTest, NamesAreTheJsonKeyTypeValues) {
  EXPECT_EQ(KeySpec{}.Name(), "ecdsa-p256");
  EXPECT_EQ((KeySpec{KeyType::kEcdsa, 2048, "secp384r1"}.Name()), "ecdsa-p384");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 2048}.Name()), "rsa-2048");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 3072}.Name()), "rsa-3072");
  EXPECT_EQ((KeySpec{KeyType::kRsa, 4096}.Name()), "rsa-4096");
}

TEST(KeySpecTest, FromNameIsTheInverseOfName) {
  for (const char* name :
       {"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"}) {
    std::optional<KeySpec> spec = KeySpec::FromName(name);
    ASSERT_TRUE(spec.has_value()) << name;
    EXPECT_EQ(spec->Name(), name);
  }
  EXPECT_EQ(KeySpec::FromName("rsa-4096")->rsa_bits, 4096);
  EXPECT_EQ(KeySpec::FromName("ecdsa-p384")->curve, "secp384r1");
  EXPECT_FALSE(KeySpec::FromName("rsa-1024").has_value());
  EXPECT_FALSE(KeySpec::FromName("ecdsa-p521").has_value());
  EXPECT_FALSE(KeySpec::FromName("").has_value());
  EXPECT_FALSE(KeySpec::FromName("RSA-2048").has_value());
}

// ---- Generation and PEM, for every supported spec -------------------------

class KeySpecParamTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KeySpecParamTest, GeneratedKeyHasItsSpecAndRoundTripsThroughPkcs8) {
  const std::string name = GetParam();
  const PrivateKey& key = CachedKey(name);
  EXPECT_EQ(key.Spec(), *KeySpec::FromName(name));
  EXPECT_EQ(key.Spec().Name(), name);

  const std::string pem = key.ToPem();
  EXPECT_THAT(pem, ::testing::StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(pem, ::testing::EndsWith("-----END PRIVATE KEY-----\n"));

  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
  EXPECT_EQ(parsed.ToPem(), pem);
  EXPECT_EQ(parsed.PublicKeyDer(), key.PublicKeyDer());
  EXPECT_EQ(parsed.Spec(), key.Spec());
}

TEST_P(KeySpecParamTest, TraditionalPemIsAccepted) {
  const PrivateKey& key = CachedKey(GetParam());
  const std::string pem = TraditionalPem(key);
  ASSERT_THAT(pem, MatchesRegex("-----BEGIN (RSA|EC) PRIVATE KEY-----\n.*"));
  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
  EXPECT_EQ(parsed.ToPem(), key.ToPem());
}

TEST_P(KeySpecParamTest, PublicKeyDerIsSubjectPublicKeyInfo) {
  const PrivateKey& key = CachedKey(GetParam());
  const std::string der = key.PublicKeyDer();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data()) + der.size());
  EXPECT_EQ(EVP_PKEY_eq(pub, key.get()), 1);
  EVP_PKEY_free(pub);
}

TEST_P(KeySpecParamTest, PrivateJwkFieldsRoundTrip) {
  const PrivateKey& key = CachedKey(GetParam());
  std::map<std::string, std::string> fields = key.PrivateJwkFields();
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
  const std::string jwk = key.PublicJwk();
  for (const char* m : {"n", "e", "x", "y", "crv", "kty"}) {
    if (fields.count(m) != 0) {
      EXPECT_EQ(JsonMember(jwk, m), fields[m]) << m;
    }
  }

  PrivateKey restored = PrivateKey::FromJwkFields(fields);
  EXPECT_EQ(EVP_PKEY_eq(restored.get(), key.get()), 1);
  EXPECT_EQ(restored.ToPem(), key.ToPem());
  EXPECT_EQ(restored.PrivateJwkFields(), fields);
  // The restored private half really is the private half: it signs for the
  // original public key.
  const std::string sig = restored.SignJws("payload");
  EXPECT_TRUE(test_util::VerifyJwsSignature(key.get(), key.JwsAlgorithm(),
                                            "payload", sig));
}

INSTANTIATE_TEST_SUITE_P(AllSpecs, KeySpecParamTest,
                         ::testing::Values("ecdsa-p256", "ecdsa-p384",
                                           "rsa-2048", "rsa-3072", "rsa-4096"),
                         [](const auto& p) {
                           std::string name = p.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(PrivateKeyTest, GenerateRejectsUnsupportedSpecs) {
  EXPECT_THROW(PrivateKey::Generate({KeyType::kRsa, 1024}), CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kRsa, 2047}), CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kEcdsa, 2048, "secp521r1"}),
               CryptoError);
  EXPECT_THROW(PrivateKey::Generate({KeyType::kEcdsa, 2048, ""}), CryptoError);
}

TEST(PrivateKeyTest, GeneratesDistinctKeys) {
  PrivateKey a = PrivateKey::Generate({});
  PrivateKey b = PrivateKey::Generate({});
  EXPECT_NE(a.PublicKeyDer(), b.PublicKeyDer());
  EXPECT_NE(a.Thumbprint(), b.Thumbprint());
}

TEST(PrivateKeyTest, CopiesShareTheKey) {
  PrivateKey a = PrivateKey::Generate({});
  PrivateKey b = a;
  EXPECT_EQ(a.get(), b.get());
  PrivateKey c = std::move(b);
  EXPECT_EQ(c.get(), a.get());
}

TEST(PrivateKeyTest, NullHandleThrows) {
  EXPECT_THROW(PrivateKey(nullptr), CryptoError);
}

// ---- FromPem input handling ----------------------------------------------

TEST(PrivateKeyFromPemTest, SkipsEcParametersBlockBeforeTheKey) {
  // `openssl ecparam -name prime256v1 -genkey` output starts like this; the
  // body is the DER OID of prime256v1.
  const PrivateKey& key = CachedKey("ecdsa-p256");
  const std::string pem =
      "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
      "-----END EC PARAMETERS-----\n" +
      TraditionalPem(key);
  PrivateKey parsed = PrivateKey::FromPem(pem);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
}

TEST(PrivateKeyFromPemTest, RejectsInputWithoutAPrivateKey) {
  try {
    PrivateKey::FromPem("hello");
    FAIL() << "no exception";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("parsing private key"));
  }
  EXPECT_THROW(PrivateKey::FromPem(""), CryptoError);
  // A public key is not a private key.
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, CachedKey("ecdsa-p256").get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string public_pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EXPECT_THROW(PrivateKey::FromPem(public_pem), CryptoError);
}

TEST(PrivateKeyFromPemTest, RejectsCorruptedBody) {
  std::string pem = CachedKey("ecdsa-p256").ToPem();
  pem[40] = pem[40] == 'A' ? 'B' : 'A';
  pem.insert(60, "!!!!");
  EXPECT_THROW(PrivateKey::FromPem(pem), CryptoError);
}

TEST(PrivateKeyFromPemTest, RejectsEncryptedKeys) {
  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, CachedKey("ecdsa-p256").get(),
                                          EVP_aes_256_cbc(), pass, 6, nullptr,
                                          nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  ASSERT_THAT(pem, HasSubstr("ENCRYPTED PRIVATE KEY"));
  try {
    PrivateKey::FromPem(pem);
    FAIL() << "no exception";
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("encrypted"));
  }
}

TEST(PrivateKeyFromPemTest, RejectsUnsupportedKeyTypesAndCurves) {
  for (const char* alg : {"ED25519", "P-521"}) {
    EVP_PKEY* other = std::string(alg) == "ED25519"
                          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
    ASSERT_NE(other, nullptr) << alg;
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, other, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(len));
    BIO_free(bio);
    EVP_PKEY_free(other);
    try {
      PrivateKey::FromPem(pem);
      FAIL() << alg << ": no exception";
    } catch (const CryptoError& e) {
      EXPECT_THAT(e.what(), HasSubstr("unsupported")) << alg;
    }
  }
}

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
    const std::string jwk = key.PublicJwk();
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
    EXPECT_EQ(key.Thumbprint(), Base64UrlEncode(Sha256(jwk)));
    EXPECT_EQ(key.Thumbprint().size(), 43u);
  }
}

TEST(JwkThumbprintTest, RsaPublicJwkIsCanonicalAndHoldsNAndE) {
  const PrivateKey& key = CachedKey("rsa-2048");
  const std::string jwk = key.PublicJwk();
  EXPECT_THAT(jwk, MatchesRegex("\\{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\""
                                "[A-Za-z0-9_-]+\"\\}"));
  const std::string n = Decode(JsonMember(jwk, "n"));
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(n.front(), '\0');  // no leading zero octet (RFC 7518 §6.3.1.1)
  EXPECT_EQ(n, BnParamBytes(key.get(), OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(Decode(JsonMember(jwk, "e")),
            BnParamBytes(key.get(), OSSL_PKEY_PARAM_RSA_E));
  EXPECT_EQ(key.Thumbprint(), Base64UrlEncode(Sha256(jwk)));
}

TEST(JwkThumbprintTest, EcCoordinatesKeepLeadingZeroBytes) {
  // About 1 key in 128 has a coordinate below 2^248; find one and check that
  // it is still encoded in the full 32 bytes (RFC 7518 §6.2.1.2).
  for (int i = 0; i < 20000; ++i) {
    PrivateKey key = PrivateKey::Generate({});
    std::string x = BnParamBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    std::string y = BnParamBytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (x.size() == 32 && y.size() == 32) continue;
    const std::string jwk = key.PublicJwk();
    EXPECT_EQ(Decode(JsonMember(jwk, "x")).size(), 32u) << jwk;
    EXPECT_EQ(Decode(JsonMember(jwk, "y")).size(), 32u) << jwk;
    EXPECT_EQ(PrivateKey::FromJwkFields(key.PrivateJwkFields()).PublicJwk(),
              jwk);
    return;
  }
  FAIL() << "no key with a short coordinate in 20000 tries";
}

// ---- FromJwkFields errors --------------------------------------------------

// Expects FromJwkFields(fields) to throw a CryptoError mentioning `needle`.
void ExpectJwkError(const std::map<std::string, std::string>& fields,
                    const std::string& needle) {
  try {
    PrivateKey::FromJwkFields(fields);
    ADD_FAILURE() << "no exception; expected one mentioning " << needle;
  } catch (const CryptoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(needle));
  }
}

TEST(FromJwkFieldsTest, NamesTheMissingMember) {
  for (const char* name : {"ecdsa-p256", "rsa-2048"}) {
    const auto fields = CachedKey(name).PrivateJwkFields();
    for (const auto& [member, value] : fields) {
      auto partial = fields;
      partial.erase(member);
      ExpectJwkError(partial, "\"" + member + "\" is missing");
    }
  }
}

TEST(FromJwkFieldsTest, NamesTheMalformedMember) {
  auto ec = CachedKey("ecdsa-p256").PrivateJwkFields();
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

  auto rsa = CachedKey("rsa-2048").PrivateJwkFields();
  bad = rsa;
  bad["qi"] = "@@";
  ExpectJwkError(bad, "\"qi\"");
  bad = rsa;
  bad["oth"] = "[]";
  ExpectJwkError(bad, "\"oth\"");
}

TEST(FromJwkFieldsTest, IgnoresOptionalMembers) {
  auto fields = CachedKey("ecdsa-p384").PrivateJwkFields();
  fields["kid"] = "key-1";
  fields["alg"] = "ES384";
  fields["use"] = "sig";
  PrivateKey key = PrivateKey::FromJwkFields(fields);
  EXPECT_EQ(key.PublicJwk(), CachedKey("ecdsa-p384").PublicJwk());
}

TEST(FromJwkFieldsTest, RejectsPointNotOnCurve) {
  auto fields = CachedKey("ecdsa-p256").PrivateJwkFields();
  std::string y = Decode(fields["y"]);
  y.back() = static_cast<char>(y.back() ^ 1);
  fields["y"] = Base64UrlEncode(y);
  EXPECT_THROW(PrivateKey::FromJwkFields(fields), CryptoError);
}

TEST(FromJwkFieldsTest, RejectsPrivatePartOfAnotherKey) {
  for (const char* name : {"ecdsa-p256", "rsa-2048"}) {
    auto fields = CachedKey(name).PrivateJwkFields();
    auto other =
        PrivateKey::Generate(*KeySpec::FromName(name)).PrivateJwkFields();
    fields["d"] = other["d"];
    EXPECT_THROW(PrivateKey::FromJwkFields(fields), CryptoError) << name;
  }
  // Inconsistent CRT parameters are caught too.
  auto rsa = CachedKey("rsa-2048").PrivateJwkFields();
  auto other = CachedKey("rsa-3072").PrivateJwkFields();
  rsa["dp"] = other["dp"];
  EXPECT_THROW(PrivateKey::FromJwkFields(rsa), CryptoError);
}

}  // namespace
}  // namespace certpilot::crypto
