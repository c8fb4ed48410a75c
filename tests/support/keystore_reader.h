// Reads a PKCS#12 keystore with the `openssl pkcs12` command (always
// installed with OpenSSL), independently of certpilot's own code, for the
// integration and crash tests.
#pragma once

#include <string>

namespace certpilot::testing {

struct KeystoreRead {
  std::string error;           // "" when the keystore loaded
  std::string cert_pem;        // the key's certificate, one PEM block
  std::string chain_pem;       // the other certificates, PEM blocks in order
  std::string alias;           // its friendlyName
  std::string key_public_pem;  // the key's public half ("BEGIN PUBLIC KEY")
};

// Decrypts the keystore at `path` with the password in `password_file`.
KeystoreRead ReadKeystore(const std::string& path,
                          const std::string& password_file);

// The public half of the private key in the PEM file `key_path`, as
// `openssl pkey -pubout` prints it ("" if it cannot be read).
std::string PublicKeyPemOf(const std::string& key_path);

}  // namespace certpilot::testing
