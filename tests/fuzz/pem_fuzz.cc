// libFuzzer target for PEM input (src/crypto/): certificates the CA sends,
// keys and certificates read back from the archive.
//  - Certificate::FromPem / FromDer, SplitPemChain and PrivateKey::FromPem
//    either return or throw crypto::CryptoError, and so does every accessor
//    of what they return; nothing else escapes (no other exception, crash,
//    leak or UB);
//  - what parses survives a round trip: ToPem() parses back to the same
//    PEM (certificates) or the same public key (private keys);
//  - SplitPemChain returns at least one block, each a normalised
//    certificate PEM, and splitting their concatenation gives them back.
// Built and run by scripts/fuzz (see tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/crypto_error.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/private_key.h"

namespace {

using certpilot::crypto::Certificate;
using certpilot::crypto::CryptoError;
using certpilot::crypto::PrivateKey;

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename F>
void Expect(F&& f) {
  try {
    f();
  } catch (const CryptoError&) {
  }
}

void Inspect(const Certificate& cert) {
  const std::string pem = cert.ToPem();
  Check(Certificate::FromPem(pem).ToPem() == pem);
  Expect([&] { (void)cert.NotBefore(); });
  Expect([&] { (void)cert.NotAfter(); });
  Expect([&] { (void)cert.SerialHex(); });
  Expect([&] { (void)cert.AriCertId(); });
  Expect([&] { (void)cert.Issuer(); });
  Expect([&] { (void)cert.IssuerCommonName(); });
  Expect([&] { (void)cert.Subject(); });
  Expect([&] { (void)cert.DnsNames(); });
  Expect([&] { (void)cert.IpAddresses(); });
  Expect([&] { (void)cert.PublicKeyDer(); });
  Expect([&] { (void)cert.PublicKeySpec(); });
  Expect([&] { (void)cert.IssuedBy(cert); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  Expect([&] { Inspect(Certificate::FromPem(input)); });
  Expect([&] { Inspect(Certificate::FromDer(input)); });

  Expect([&] {
    std::vector<std::string> blocks = certpilot::crypto::SplitPemChain(input);
    Check(!blocks.empty());
    std::string joined;
    for (const std::string& b : blocks) {
      Check(b.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
      Check(Certificate::FromPem(b).ToPem() == b);
      joined += b;
    }
    Check(certpilot::crypto::SplitPemChain(joined) == blocks);
  });

  Expect([&] {
    PrivateKey key = PrivateKey::FromPem(input);
    const std::string spki = key.PublicKeyDer();
    Check(PrivateKey::FromPem(key.ToPem()).PublicKeyDer() == spki);
    (void)key.Spec();
    (void)certpilot::crypto::JwsAlgorithm(key);
    (void)certpilot::crypto::PublicJwk(key);
    // A key and a certificate in one input: MatchesKey must not throw
    // anything else either.
    Expect([&] { (void)Certificate::FromPem(input).MatchesKey(key); });
  });
  return 0;
}
