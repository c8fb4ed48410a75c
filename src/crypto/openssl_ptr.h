// Internal to src/crypto/: RAII owners for OpenSSL handles and small helpers
// shared by the crypto translation units. Not part of the layer's API; other
// layers must not include it (they never see OpenSSL types beyond the opaque
// EVP_PKEY / X509 pointers of the public headers).
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"
#include "util/c_ptr.h"

namespace certpilot::crypto::internal {

// unique_ptr whose deleter is an OpenSSL free function (util/c_ptr.h).
template <typename T, auto Free>
using OsslPtr = CPtr<T, Free>;

using BioPtr = OsslPtr<BIO, BIO_free_all>;
using BignumPtr = OsslPtr<BIGNUM, BN_free>;
// For private key components: wipes the limbs before freeing.
using SecretBignumPtr = OsslPtr<BIGNUM, BN_clear_free>;
using EcdsaSigPtr = OsslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using EvpCipherCtxPtr = OsslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpMdCtxPtr = OsslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpPkeyCtxPtr = OsslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY, EVP_PKEY_free>;
using GeneralNamePtr = OsslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OsslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using X509Ptr = OsslPtr<X509, X509_free>;
using X509ReqPtr = OsslPtr<X509_REQ, X509_REQ_free>;
using X509ExtensionPtr = OsslPtr<X509_EXTENSION, X509_EXTENSION_free>;

// A fresh memory BIO; throws CryptoError if allocation fails.
BioPtr NewMemBio();
// A read-only memory BIO over `data` (which must outlive the BIO).
BioPtr MemBioOver(const void* data, size_t size);
// Everything written to a memory BIO so far.
std::string BioContents(BIO* bio);

// One subjectAltName entry: iPAddress for a literal IPv4/IPv6 address (RFC
// 8738 IP identifiers), dNSName otherwise. IA5String only holds ASCII, and a
// space or control character in a name is never valid: an empty name or one
// with other bytes throws CryptoError("<what>: invalid name \"...\"")
// (callers validate first; this is the backstop), as does an OpenSSL
// failure ("<what>: subjectAltName <name>: ...").
GeneralNamePtr MakeGeneralName(const std::string& name,
                               const std::string& what);

// The dNSName and iPAddress entries of a subjectAltName, as text (IP
// addresses as inet_ntop prints them; entries of other lengths — name
// constraints' address + mask — are skipped). `names` may be null.
struct SanTexts {
  std::vector<std::string> dns, ip;
};
SanTexts SanTextsOf(const GENERAL_NAMES* names);

// The KeySpec of a public or private RSA / EC key. Throws CryptoError for
// other key types and for EC curves other than P-256 / P-384.
KeySpec SpecOfKey(const EVP_PKEY* key);

// The supported curves, spelled as KeySpec::curve spells them.
inline constexpr std::string_view kP256 = "secp256r1";
inline constexpr std::string_view kP384 = "secp384r1";
// OpenSSL's group name for a supported curve, or nullptr.
const char* OpenSslGroupName(std::string_view curve);
// Width in bytes of a field element / scalar of a supported curve: the fixed
// size of JWK "x", "y", "d" (RFC 7518 §6.2.1.2, §6.2.2.1) and of each half
// of an ES256/ES384 signature (RFC 7518 §3.4).
size_t CurveBytes(std::string_view curve);

// `bn` big-endian, zero-padded on the left to `width` bytes. Throws
// CryptoError (naming `what`) when it is wider.
std::string BnToFixedBytes(const BIGNUM* bn, size_t width,
                           const std::string& what);

}  // namespace certpilot::crypto::internal
