// Secrets sealed with AES-256-GCM for storage in a shared place (fleet
// mode's private keys in etcd, issue #17), in a versioned envelope:
//
//   byte 0       version (1)
//   bytes 1-8    key id: the first 8 bytes of SHA-256("certpilot key id\0"
//                || key), so a reader holding several keys (`fleet rekey`)
//                knows which one sealed a value without trying each
//   bytes 9-20   nonce (96 bits, random per seal)
//   bytes 21-    ciphertext, then the 16-byte GCM tag
//
// The associated data authenticated with it is bytes 0-8 followed by the
// caller's `associated_data` (the etcd key name): a value copied under
// another name, or its header edited, fails to open. Random 96-bit nonces
// are safe for far more seals than a fleet makes under one key (NIST SP
// 800-38D §8.3: 2^32).
//
// Values in, values out; throws CryptoError, whose message says what is
// wrong (key size, truncated, version, key id, authentication). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace certpilot::crypto {

inline constexpr size_t kSealKeyBytes = 32;

// The 8-byte key id of `key` (raw bytes), as written in envelopes.
std::string SealKeyId(std::string_view key);
// The key id an envelope names; throws CryptoError when it is not a
// version-1 envelope.
std::string SealedKeyId(std::string_view envelope);

// Seals `plaintext` under `key` (kSealKeyBytes bytes) with a fresh nonce.
std::string Seal(std::string_view key, std::string_view plaintext,
                 std::string_view associated_data);
// The plaintext, when `envelope` was sealed under `key` with exactly
// `associated_data` and not altered since; CryptoError otherwise.
std::string Open(std::string_view key, std::string_view envelope,
                 std::string_view associated_data);

// A reader's and writer's set of keys while the fleet key is rotated
// (`fleet rekey`): one key seals; it and every other key open. Since an
// envelope names the key id that sealed it, Open picks that key rather than
// trying each. Values only; thread-safe once built.
class SealKeys {
 public:
  // Throws CryptoError when a key is not kSealKeyBytes bytes, or when two of
  // them are the same key (a configuration mistake that would hide a
  // missing key).
  explicit SealKeys(std::string sealing, std::vector<std::string> opening = {});

  const std::string& sealing() const { return keys_.front(); }
  // Key ids (SealKeyId) of every key, the sealing key's first.
  const std::vector<std::string>& ids() const { return ids_; }

  std::string Seal(std::string_view plaintext,
                   std::string_view associated_data) const;
  // Opens with the key the envelope names. CryptoError when none of these
  // keys has that id (the message names the envelope's id and ours), or
  // as Open() below.
  std::string Open(std::string_view envelope,
                   std::string_view associated_data) const;
  // True when `envelope` was sealed under the sealing key (by id; nothing
  // is decrypted). CryptoError when it is not a version-1 envelope.
  bool SealedBySealingKey(std::string_view envelope) const;

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> ids_;
};

// Plain AES-256-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag:
// returns ciphertext || tag. The building block above, exposed for test
// vectors.
std::string AesGcmEncrypt(std::string_view key, std::string_view iv,
                          std::string_view plaintext, std::string_view aad);
// The plaintext of ciphertext || tag; CryptoError when the tag does not
// match.
std::string AesGcmDecrypt(std::string_view key, std::string_view iv,
                          std::string_view sealed, std::string_view aad);

}  // namespace certpilot::crypto
