#include "support/keystore_reader.h"

#include <unistd.h>

#include <cstdio>
#include <vector>

#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

constexpr char kOpenSsl[] = "/usr/bin/openssl";

// The PEM blocks of `text`, concatenated; openssl's "Bag Attributes" lines
// between them dropped.
std::string PemBlocks(const std::string& text) {
  std::string out;
  size_t at = 0;
  while ((at = text.find("-----BEGIN ", at)) != std::string::npos) {
    size_t end = text.find("-----END ", at);
    if (end == std::string::npos) break;
    end = text.find("-----\n", end + 9);
    if (end == std::string::npos) break;
    out += text.substr(at, end + 6 - at);
    at = end + 6;
  }
  return out;
}

}  // namespace

KeystoreRead ReadKeystore(const std::string& path,
                          const std::string& password_file) {
  KeystoreRead read;
  auto openssl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{kOpenSsl, "pkcs12",  "-in",
                                  path,     "-passin", "file:" + password_file};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = RunProgram(argv);
    if (r.exit_code != 0 && read.error.empty())
      read.error = "openssl pkcs12 " + args.front() + ": " + r.Describe();
    return r.out;
  };
  const std::string leaf = openssl({"-nokeys", "-clcerts"});
  read.cert_pem = PemBlocks(leaf);
  const std::string tag = "friendlyName: ";
  if (size_t at = leaf.find(tag); at != std::string::npos)
    read.alias =
        leaf.substr(at + tag.size(), leaf.find('\n', at) - at - tag.size());
  read.chain_pem = PemBlocks(openssl({"-nokeys", "-cacerts"}));
  TempDir dir;
  const std::string key = dir / "key.pem";
  openssl({"-nocerts", "-nodes", "-out", key});
  if (read.error.empty()) read.key_public_pem = PublicKeyPemOf(key);
  if (read.error.empty() && read.key_public_pem.empty())
    read.error = "the keystore holds no readable private key";
  return read;
}

std::string PublicKeyPemOf(const std::string& key_path) {
  RunResult r = RunProgram({kOpenSsl, "pkey", "-in", key_path, "-pubout"});
  return r.exit_code == 0 ? r.out : "";
}

}  // namespace certpilot::testing
