#include "support/cli_harness.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <filesystem>

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

std::vector<X509*> LoadPems(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr))
    out.push_back(x);
  BIO_free(bio);
  return out;
}

}  // namespace

bool ChainVerifies(const std::string& cert_pem, const std::string& chain_pem,
                   const std::string& root_pem) {
  auto leaf = LoadPems(cert_pem), chain = LoadPems(chain_pem),
       roots = LoadPems(root_pem);
  bool ok = false;
  if (leaf.size() == 1 && !chain.empty() && !roots.empty()) {
    X509_STORE* store = X509_STORE_new();
    for (X509* r : roots) X509_STORE_add_cert(store, r);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (X509* c : chain) sk_X509_push(untrusted, c);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf[0], untrusted);
    ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
  }
  for (auto* v : {&leaf, &chain, &roots})
    for (X509* x : *v) X509_free(x);
  return ok;
}

std::vector<std::string> CliHarness::CommonArgs() const {
  return {"--config-dir", dir_ / "config", "--work-dir", dir_ / "work",
          "--logs-dir",   dir_ / "logs",   "--server",   directory_url_,
          "--ca-bundle",  ca_bundle_,      "-n"};
}

RunResult CliHarness::Run(const std::string& subcommand,
                          const std::vector<std::string>& extra,
                          const std::map<std::string, std::string>& env) const {
  std::vector<std::string> args{subcommand};
  for (const auto& a : CommonArgs()) args.push_back(a);
  for (const auto& a : extra) args.push_back(a);
  return RunCertpilot(args, env);
}

RunResult CliHarness::Certonly(
    const std::vector<std::string>& extra,
    const std::map<std::string, std::string>& env) const {
  std::vector<std::string> args{"--standalone",
                                "--agree-tos",
                                "-m",
                                "admin@example.com",
                                "--http-01-address",
                                "127.0.0.1",
                                "--http-01-port",
                                std::to_string(http_port_)};
  for (const auto& a : extra) args.push_back(a);
  return Run("certonly", args, env);
}

int CliHarness::Version(const std::string& name) const {
  std::error_code ec;
  std::string link =
      fs::read_symlink(config() + "/live/" + name + "/cert.pem", ec).string();
  if (ec) return 0;
  size_t at = link.rfind("cert");
  return std::stoi(link.substr(at + 4));
}

std::string CliHarness::CheckLineage(const std::string& name) const {
  const std::string live = config() + "/live/" + name;
  int version = -1;
  for (const char* kind : {"cert", "chain", "fullchain", "privkey"}) {
    std::error_code ec;
    std::string link =
        fs::read_symlink(live + "/" + kind + ".pem", ec).string();
    if (ec) return std::string(kind) + ".pem is not a symlink";
    if (!fs::exists(live + "/" + kind + ".pem"))
      return std::string(kind) + ".pem dangles";
    int v = std::stoi(link.substr(link.rfind(kind) + std::string(kind).size()));
    if (version != -1 && v != version) return "links name different versions";
    version = v;
  }
  std::string cert = ReadFileOrEmpty(live + "/cert.pem");
  std::string chain = ReadFileOrEmpty(live + "/chain.pem");
  if (ReadFileOrEmpty(live + "/fullchain.pem") != cert + chain)
    return "fullchain != cert + chain";
  auto certs = LoadPems(cert);
  std::string key_pem = ReadFileOrEmpty(live + "/privkey.pem");
  BIO* bio = BIO_new_mem_buf(key_pem.data(), int(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  std::string problem;
  if (certs.size() != 1)
    problem = "cert.pem does not hold one certificate";
  else if (!key)
    problem = "privkey.pem does not parse";
  else if (X509_check_private_key(certs[0], key) != 1)
    problem = "key does not match";
  EVP_PKEY_free(key);
  for (X509* x : certs) X509_free(x);
  return problem;
}

}  // namespace certpilot::testing
