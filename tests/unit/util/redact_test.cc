#include "util/redact.h"

#include <gtest/gtest.h>

namespace certpilot {
namespace {

const char kEcKey[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIBYr2mV1c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0oAoGCCqGSM49\n"
    "-----END EC PRIVATE KEY-----\n";

TEST(RedactSecrets, LeavesOrdinaryTextAlone) {
  for (const char* text :
       {"", "Requesting a certificate for example.com",
        "POST https://ca.example/acme/new-order: 201, 512 bytes, 12 ms",
        "{\"status\":\"valid\",\"identifier\":{\"type\":\"dns\",\"value\":"
        "\"d\"}}",
        "--eab-hmac-key on the command line is visible to other users",
        "--eab-hmac-key-file /root/eab.key",
        "$CERTPILOT_EAB_HMAC_KEY is not set",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}) {
    EXPECT_EQ(RedactSecrets(text), text);
  }
}

TEST(RedactSecrets, RemovesPemPrivateKeysWhateverTheirLabel) {
  std::string out =
      RedactSecrets(std::string("hook printed: ") + kEcKey + "done");
  EXPECT_EQ(out, "hook printed: [redacted private key]\ndone");
  for (const char* label :
       {"PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}) {
    std::string pem = std::string("-----BEGIN ") + label +
                      "-----?QUJD?-----END " + label + "-----";
    EXPECT_EQ(RedactSecrets("a " + pem + " b"), "a [redacted private key] b")
        << label;
  }
}

TEST(RedactSecrets, KeepsCertificatesAroundAKey) {
  std::string cert =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(RedactSecrets(cert + kEcKey + cert),
            cert + "[redacted private key]\n" + cert);
}

TEST(RedactSecrets, RemovesATruncatedKeyToTheEnd) {
  EXPECT_EQ(RedactSecrets("x -----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG"),
            "x [redacted private key]");
}

TEST(RedactSecrets, RemovesJwkPrivatePartsAndSignatures) {
  EXPECT_EQ(
      RedactSecrets(
          R"({"kty":"EC","crv":"P-256","x":"AAA","y":"BBB","d":"SECRET"})"),
      R"({"kty":"EC","crv":"P-256","x":"AAA","y":"BBB","d":"[redacted]"})");
  EXPECT_EQ(
      RedactSecrets(
          R"({"n":"N","e":"AQAB","d":"D","p":"P","q":"Q","dp":"1","dq":"2","qi":"3"})"),
      R"({"n":"N","e":"AQAB","d":"[redacted]","p":"[redacted]","q":"[redacted]",)"
      R"("dp":"[redacted]","dq":"[redacted]","qi":"[redacted]"})");
  EXPECT_EQ(RedactSecrets(R"({"kty":"oct", "k" : "hmac-key"})"),
            R"({"kty":"oct", "k" : "[redacted]"})");
  EXPECT_EQ(
      RedactSecrets(R"({"protected":"eyJ","payload":"","signature":"c2ln"})"),
      R"({"protected":"eyJ","payload":"","signature":"[redacted]"})");
}

TEST(RedactSecrets, RemovesSecretsInJsonQuotedInsideAString) {
  EXPECT_EQ(RedactSecrets(R"(error: "{\"signature\":\"c2ln\",\"d\":\"x\"}")"),
            R"(error: "{\"signature\":\"[redacted]\",\"d\":\"[redacted]\"}")");
}

TEST(RedactSecrets, RemovesEabKeyValuesInEverySpelling) {
  const std::string key = "dGhpcyBpcyBhbiBITUFDIGtleQ";
  for (const std::string& text :
       {"certpilot register --eab-hmac-key " + key + " -n",
        "certpilot register --eab-hmac-key=" + key + " -n",
        "eab-hmac-key = " + key, "CERTPILOT_EAB_HMAC_KEY=" + key}) {
    std::string out = RedactSecrets(text);
    EXPECT_EQ(out.find(key), std::string::npos) << out;
    EXPECT_NE(out.find(kRedacted), std::string::npos) << out;
  }
}

// Found by tests/fuzz/redact_fuzz.cc: a name inside a redacted value made
// the text before it appear twice.
TEST(RedactSecrets, ANameInsideARedactedValueDuplicatesNothing) {
  EXPECT_EQ(
      RedactSecrets("--eab-hmac-key=dGhpcyBp-eab-hmac-key=dGhpcyBpcyBh rest"),
      "--eab-hmac-key=[redacted] rest");
}

// Found by the fuzzer too: a "label" running over lines and dashes.
TEST(RedactSecrets, APemLabelIsOneLineWithoutDashes) {
  EXPECT_EQ(RedactSecrets("-----BEGIN X\nY PRIVATE KEY----- stays"),
            "-----BEGIN X\nY PRIVATE KEY----- stays");
  EXPECT_EQ(RedactSecrets(
                "-----BEGIN EC PRIVATE KEY-ish -----BEGIN EC PRIVATE KEY-----k"
                "-----END EC PRIVATE KEY----- after"),
            "-----BEGIN EC PRIVATE KEY-ish [redacted private key] after");
  // A label has no brackets (no real one does): what another rule leaves
  // ("[redacted]") makes it no key label, and the secret is gone anyway.
  EXPECT_EQ(
      RedactSecrets("-----BEGIN EAB_HMAC_KEY c2VjcmV0LWtleQ PRIVATE KEY-----k"),
      "-----BEGIN EAB_HMAC_KEY [redacted] PRIVATE KEY-----k");
}

TEST(RedactSecrets, AReplacementNeverCompletesALabelBeforeIt) {
  // Found by the redact fuzzer: the replacement made "EC PRIVATEed [redacted
  // private key]PRIVATE KEY" a label, so a second pass removed more.
  const std::string text =
      "-----BEGIN EC PRIVATEed -----BEGIN EC PRIVATE KEY-----END EC PRIVATE "
      "KEY-----"
      "PRIVATE KEY----- tail";
  const std::string once = RedactSecrets(text);
  EXPECT_EQ(
      once,
      "-----BEGIN EC PRIVATEed [redacted private key]PRIVATE KEY----- tail");
  EXPECT_EQ(RedactSecrets(once), once);
}

TEST(RedactSecrets, RemovesRegisteredLiteralsButNotShortOnes) {
  EXPECT_EQ(RedactSecrets("key c2VjcmV0LWtleQ twice: c2VjcmV0LWtleQ",
                          {"c2VjcmV0LWtleQ"}),
            "key [redacted] twice: [redacted]");
  EXPECT_EQ(RedactSecrets("a short one", {"a", "short"}), "a short one");
}

}  // namespace
}  // namespace certpilot
