#include "crypto/sealed_box.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace certpilot::crypto {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const CryptoError& e) {
    return e.what();
  }
  return "(no CryptoError)";
}

// The GCM specification's test cases 13, 14 and 16 (AES-256; McGrew and
// Viega, "The Galois/Counter Mode of Operation", the vectors NIST's
// validation suite also carries).
TEST(AesGcm, MatchesTheSpecificationsTestVectors) {
  const std::string zero_key(32, '\0');
  const std::string zero_iv(12, '\0');
  EXPECT_EQ(AesGcmEncrypt(zero_key, zero_iv, "", ""),
            Unhex("530f8afbc74536b9a963b4f1c4cb738b"));
  EXPECT_EQ(AesGcmEncrypt(zero_key, zero_iv, std::string(16, '\0'), ""),
            Unhex("cea7403d4d606b6e074ec5d3baf39d18"
                  "d0d1c8a799996bf0265b98b5d48ab919"));

  const std::string key =
      Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string iv = Unhex("cafebabefacedbaddecaf888");
  const std::string plaintext = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string expected = Unhex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b");
  EXPECT_EQ(AesGcmEncrypt(key, iv, plaintext, aad), expected);
  EXPECT_EQ(AesGcmDecrypt(key, iv, expected, aad), plaintext);
  EXPECT_THROW(AesGcmDecrypt(key, iv, expected, "other aad"), CryptoError);
}

TEST(SealedBox, OpensWhatItSealedWithTheSameName) {
  const std::string key = RandomBytes(kSealKeyBytes);
  const std::string secret = "-----BEGIN PRIVATE KEY-----\nMIG...\n";
  std::string envelope = Seal(key, secret, "/certpilot/lineages/a/privkey");
  EXPECT_EQ(envelope.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(envelope.size(), 1 + 8 + 12 + secret.size() + 16);
  EXPECT_EQ(envelope[0], '\x01');
  EXPECT_EQ(SealedKeyId(envelope), SealKeyId(key));
  EXPECT_EQ(Open(key, envelope, "/certpilot/lineages/a/privkey"), secret);
  // A fresh nonce each time: sealing twice never gives the same bytes.
  EXPECT_NE(Seal(key, secret, "n"), Seal(key, secret, "n"));
  EXPECT_EQ(Open(key, Seal(key, "", "n"), "n"), "");
}

TEST(SealedBox, WrongAssociatedDataFails) {
  const std::string key = RandomBytes(kSealKeyBytes);
  std::string envelope = Seal(key, "secret", "/certpilot/a/privkey");
  EXPECT_NE(ErrorOf([&] {
              Open(key, envelope, "/certpilot/b/privkey");
            }).find("authentication failed"),
            std::string::npos);
}

TEST(SealedBox, TamperingFailsAtEveryByte) {
  const std::string key = RandomBytes(kSealKeyBytes);
  std::string envelope = Seal(key, "secret", "name");
  for (size_t i = 0; i < envelope.size(); ++i) {
    std::string altered = envelope;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_THROW(Open(key, altered, "name"), CryptoError) << "byte " << i;
  }
}

TEST(SealedBox, TruncatedEnvelopeFails) {
  const std::string key = RandomBytes(kSealKeyBytes);
  std::string envelope = Seal(key, "secret", "name");
  EXPECT_NE(ErrorOf([&] {
              Open(key, envelope.substr(0, 20), "name");
            }).find("truncated"),
            std::string::npos);
  EXPECT_THROW(Open(key, envelope.substr(0, envelope.size() - 1), "name"),
               CryptoError);
  EXPECT_THROW(Open(key, "", "name"), CryptoError);
}

TEST(SealedBox, OtherKeyOrVersionIsNamed) {
  const std::string key = RandomBytes(kSealKeyBytes);
  const std::string other = RandomBytes(kSealKeyBytes);
  std::string envelope = Seal(key, "secret", "name");
  EXPECT_NE(ErrorOf([&] { Open(other, envelope, "name"); }).find("key id"),
            std::string::npos);
  std::string v2 = envelope;
  v2[0] = '\x02';
  EXPECT_NE(ErrorOf([&] { Open(key, v2, "name"); }).find("unknown version 2"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { Seal("short", "x", "n"); }).find("32 bytes"),
            std::string::npos);
}

// Rotation (`fleet rekey`): a reader holding the new key and the old one
// opens what either sealed, picking the key by the envelope's id.
TEST(SealKeys, OpensWhatAnyOfItsKeysSealedAndSealsWithTheFirst) {
  const std::string old_key = RandomBytes(kSealKeyBytes);
  const std::string new_key = RandomBytes(kSealKeyBytes);
  const SealKeys both(new_key, {old_key});
  const std::string by_old = Seal(old_key, "old secret", "name");
  const std::string by_new = both.Seal("new secret", "name");
  EXPECT_EQ(both.Open(by_old, "name"), "old secret");
  EXPECT_EQ(both.Open(by_new, "name"), "new secret");
  EXPECT_EQ(Open(new_key, by_new, "name"), "new secret");
  EXPECT_TRUE(both.SealedBySealingKey(by_new));
  EXPECT_FALSE(both.SealedBySealingKey(by_old));
  ASSERT_EQ(both.ids().size(), 2u);
  EXPECT_EQ(both.ids()[0], SealKeyId(new_key));
  EXPECT_EQ(both.ids()[1], SealKeyId(old_key));
  // The name still binds: a value under another name does not open.
  EXPECT_THROW(both.Open(by_old, "other name"), CryptoError);
}

TEST(SealKeys, AKeyItDoesNotHoldIsNamedWithItsOwn) {
  const std::string old_key = RandomBytes(kSealKeyBytes);
  const std::string new_key = RandomBytes(kSealKeyBytes);
  const std::string by_new = Seal(new_key, "secret", "name");
  const SealKeys only_old(old_key);
  const std::string error = ErrorOf([&] { only_old.Open(by_new, "name"); });
  EXPECT_NE(error.find(HexLower(SealKeyId(new_key))), std::string::npos)
      << error;
  EXPECT_NE(error.find(HexLower(SealKeyId(old_key))), std::string::npos)
      << error;
}

TEST(SealKeys, RefusesShortAndRepeatedKeys) {
  const std::string key = RandomBytes(kSealKeyBytes);
  EXPECT_NE(ErrorOf([&] { SealKeys(key, {"short"}); }).find("32 bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { SealKeys(key, {key}); }).find("twice"),
            std::string::npos);
  const std::string other = RandomBytes(kSealKeyBytes);
  EXPECT_NE(ErrorOf([&] {
              SealKeys(key, {other, other});
            }).find("twice"),
            std::string::npos);
}

}  // namespace
}  // namespace certpilot::crypto
