#include "crypto/sealed_box.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <utility>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace certpilot::crypto {
namespace {

using internal::EvpCipherCtxPtr;

constexpr unsigned char kVersion = 1;
constexpr size_t kKeyIdBytes = 8;
constexpr size_t kIvBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeaderBytes = 1 + kKeyIdBytes;
constexpr size_t kMinEnvelope = kHeaderBytes + kIvBytes + kTagBytes;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void CheckKeyAndIv(std::string_view key, std::string_view iv) {
  if (key.size() != kSealKeyBytes)
    throw CryptoError("AES-256-GCM: the key must be 32 bytes, not " +
                      std::to_string(key.size()));
  if (iv.size() != kIvBytes)
    throw CryptoError("AES-256-GCM: the IV must be 12 bytes, not " +
                      std::to_string(iv.size()));
}

EvpCipherCtxPtr NewContext(std::string_view key, std::string_view iv,
                           bool encrypt) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) ThrowOpenSslError("AES-256-GCM: EVP_CIPHER_CTX_new");
  // The default IV length of GCM is 96 bits: no EVP_CTRL_GCM_SET_IVLEN.
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key),
                        Bytes(iv), encrypt ? 1 : 0) != 1)
    ThrowOpenSslError("AES-256-GCM: init");
  return ctx;
}

void AddAad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
  int unused = 0;
  if (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &unused, Bytes(aad),
                                       static_cast<int>(aad.size())) != 1)
    ThrowOpenSslError("AES-256-GCM: associated data");
}

std::string Header(std::string_view key_id) {
  return std::string(1, static_cast<char>(kVersion)) + std::string(key_id);
}

}  // namespace

std::string AesGcmEncrypt(std::string_view key, std::string_view iv,
                          std::string_view plaintext, std::string_view aad) {
  CheckKeyAndIv(key, iv);
  EvpCipherCtxPtr ctx = NewContext(key, iv, true);
  AddAad(ctx.get(), aad);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int n = 0;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), dst, &n, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1)
    ThrowOpenSslError("AES-256-GCM: encrypt");
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), dst + n, &tail) != 1)
    ThrowOpenSslError("AES-256-GCM: encrypt final");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          dst + plaintext.size()) != 1)
    ThrowOpenSslError("AES-256-GCM: tag");
  return out;
}

std::string AesGcmDecrypt(std::string_view key, std::string_view iv,
                          std::string_view sealed, std::string_view aad) {
  CheckKeyAndIv(key, iv);
  if (sealed.size() < kTagBytes)
    throw CryptoError("AES-256-GCM: input shorter than its tag");
  std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagBytes);
  std::string tag(sealed.substr(ciphertext.size()));
  EvpCipherCtxPtr ctx = NewContext(key, iv, false);
  AddAad(ctx.get(), aad);
  std::string out(ciphertext.size(), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  int n = 0;
  if (!ciphertext.empty() &&
      EVP_DecryptUpdate(ctx.get(), dst, &n, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1)
    ThrowOpenSslError("AES-256-GCM: decrypt");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          tag.data()) != 1)
    ThrowOpenSslError("AES-256-GCM: tag");
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), dst + n, &tail) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    ERR_clear_error();  // a tag mismatch: nothing more to say
    throw CryptoError(
        "AES-256-GCM: authentication failed (the value was altered, or "
        "sealed under another key or name)");
  }
  return out;
}

std::string SealKeyId(std::string_view key) {
  std::string input("certpilot key id");
  input += '\0';
  input += key;
  std::string digest = Sha256(input);
  OPENSSL_cleanse(input.data(), input.size());
  return digest.substr(0, kKeyIdBytes);
}

std::string SealedKeyId(std::string_view envelope) {
  if (envelope.size() < kMinEnvelope)
    throw CryptoError(
        "sealed value truncated: " + std::to_string(envelope.size()) +
        " bytes, at least " + std::to_string(kMinEnvelope) + " expected");
  if (static_cast<unsigned char>(envelope[0]) != kVersion)
    throw CryptoError("sealed value of unknown version " +
                      std::to_string(static_cast<unsigned char>(envelope[0])) +
                      " (this certpilot reads version 1)");
  return std::string(envelope.substr(1, kKeyIdBytes));
}

std::string Seal(std::string_view key, std::string_view plaintext,
                 std::string_view associated_data) {
  if (key.size() != kSealKeyBytes)
    throw CryptoError("sealing: the key must be 32 bytes, not " +
                      std::to_string(key.size()));
  std::string header = Header(SealKeyId(key));
  std::string iv = RandomBytes(kIvBytes);
  std::string aad = header + std::string(associated_data);
  return header + iv + AesGcmEncrypt(key, iv, plaintext, aad);
}

std::string Open(std::string_view key, std::string_view envelope,
                 std::string_view associated_data) {
  if (key.size() != kSealKeyBytes)
    throw CryptoError("opening: the key must be 32 bytes, not " +
                      std::to_string(key.size()));
  std::string sealed_by = SealedKeyId(envelope);
  std::string ours = SealKeyId(key);
  if (sealed_by != ours)
    throw CryptoError("sealed under key id " + HexLower(sealed_by) +
                      ", not this key (id " + HexLower(ours) + ")");
  std::string aad = Header(sealed_by) + std::string(associated_data);
  return AesGcmDecrypt(key, envelope.substr(kHeaderBytes, kIvBytes),
                       envelope.substr(kHeaderBytes + kIvBytes), aad);
}

SealKeys::SealKeys(std::string sealing, std::vector<std::string> opening) {
  keys_.push_back(std::move(sealing));
  for (std::string& key : opening) keys_.push_back(std::move(key));
  for (const std::string& key : keys_) {
    if (key.size() != kSealKeyBytes)
      throw CryptoError("a sealing key must be 32 bytes, not " +
                        std::to_string(key.size()));
    std::string id = SealKeyId(key);
    for (const std::string& seen : ids_)
      if (seen == id)
        throw CryptoError("key " + HexLower(id) + " is given twice");
    ids_.push_back(std::move(id));
  }
}

std::string SealKeys::Seal(std::string_view plaintext,
                           std::string_view associated_data) const {
  return crypto::Seal(sealing(), plaintext, associated_data);
}

std::string SealKeys::Open(std::string_view envelope,
                           std::string_view associated_data) const {
  const std::string sealed_by = SealedKeyId(envelope);
  for (size_t i = 0; i < ids_.size(); ++i)
    if (ids_[i] == sealed_by)
      return crypto::Open(keys_[i], envelope, associated_data);
  std::string ours;
  for (const std::string& id : ids_)
    ours += (ours.empty() ? "" : ", ") + HexLower(id);
  throw CryptoError("sealed under key id " + HexLower(sealed_by) +
                    ", none of this reader's keys (ids " + ours + ")");
}

bool SealKeys::SealedBySealingKey(std::string_view envelope) const {
  return SealedKeyId(envelope) == ids_.front();
}

}  // namespace certpilot::crypto
