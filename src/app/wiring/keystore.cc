#include "app/wiring/keystore.h"

#include <filesystem>

#include "crypto/crypto_error.h"
#include "crypto/pkcs12.h"
#include "storage/keystore_file.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

Pkcs12Settings AbsolutePkcs12Settings(const Pkcs12Settings& given) {
  return {std::filesystem::absolute(given.path).lexically_normal(),
          std::filesystem::absolute(given.password_file).lexically_normal()};
}

Pkcs12Settings ResolvePkcs12Settings(sys::Filesystem& fs,
                                     const Pkcs12Settings& given) {
  if (given.path.empty() && given.password_file.empty()) return given;
  if (given.password_file.empty())
    throw UsageError("--pkcs12-path needs --pkcs12-password-file FILE");
  if (given.path.empty())
    throw UsageError("--pkcs12-password-file needs --pkcs12-path PATH");
  const Pkcs12Settings out = AbsolutePkcs12Settings(given);
  const std::string dir = sys::DirName(out.path);
  if (sys::BaseName(out.path).empty() || !fs.IsDir(dir))
    throw UsageError("--pkcs12-path " + StripControl(given.path) +
                     ": the directory " + StripControl(dir) +
                     " does not exist");
  if (fs.IsDir(out.path))
    throw UsageError("--pkcs12-path " + StripControl(given.path) +
                     " is a directory; name the keystore file");
  ReadPkcs12Password(fs, out.password_file);
  return out;
}

std::string ReadPkcs12Password(sys::Filesystem& fs, const std::string& file) {
  std::string password;
  try {
    password = fs.ReadFile(file);
  } catch (const sys::SysError& e) {
    throw UsageError("cannot read the PKCS#12 password file " +
                     StripControl(file) + ": " + e.what());
  }
  if (EndsWith(password, "\n")) password.pop_back();
  if (EndsWith(password, "\r")) password.pop_back();
  if (password.empty())
    throw UsageError("the PKCS#12 password file " + StripControl(file) +
                     " is empty");
  return password;
}

void WriteKeystore(RunContext& ctx, const std::string& lineage,
                   const Pkcs12Settings& settings,
                   const storage::CertificateFiles& files,
                   const std::string& password) {
  const std::string der =
      crypto::BuildPkcs12(crypto::PrivateKey::FromPem(files.privkey_pem),
                          files.cert_pem, files.chain_pem, lineage, password);
  storage::ReplaceKeystore(ctx.fs(), settings.path, der,
                           ctx.lineages().Paths(lineage).privkey);
}

bool SyncKeystore(RunContext& ctx, const std::string& lineage,
                  const Pkcs12Settings& settings) {
  const std::string password =
      ReadPkcs12Password(ctx.fs(), settings.password_file);
  const storage::CertificateFiles files = ctx.lineages().ReadCurrent(lineage);
  try {
    crypto::Pkcs12Contents have =
        crypto::ParsePkcs12(ctx.fs().ReadFile(settings.path), password);
    if (have.certificate.ToDer() ==
            crypto::Certificate::FromPem(files.cert_pem).ToDer() &&
        have.certificate.MatchesKey(have.key) && have.friendly_name == lineage)
      return false;
  } catch (const sys::SysError&) {
    // Missing or unreadable: write it.
  } catch (const crypto::CryptoError&) {
    // Damaged, or another password: write it.
  }
  WriteKeystore(ctx, lineage, settings, files, password);
  return true;
}

}  // namespace certpilot::app
