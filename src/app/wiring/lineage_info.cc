#include "app/wiring/lineage_info.h"

#include "app/rules/renewal_policy.h"
#include "app/wiring/renewal_history.h"
#include "app/wiring/renewal_settings.h"
#include "crypto/certificate.h"
#include "storage/renewal_conf.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

// Certificates without an Authority Key Identifier have no ARI identity.
std::string AriIdOrEmpty(const crypto::Certificate& cert) {
  try {
    return cert.AriCertId();
  } catch (const Error&) {
    return "";
  }
}

// The certificate's fields into `info` (its settings already read).
void TakeCertificate(const crypto::Certificate& cert, LineageInfo& info) {
  for (const std::string& n : cert.DnsNames()) info.domains.push_back(n);
  for (const std::string& n : cert.IpAddresses()) info.domains.push_back(n);
  info.serial = cert.SerialHex();
  info.key_type = cert.PublicKeySpec().Name();
  info.not_before = cert.NotBefore();
  info.not_after = cert.NotAfter();
  info.renew_after = RenewAfterFor(cert, info.settings);
  info.ari_cert_id = AriIdOrEmpty(cert);
}

void TakePaths(RunContext& ctx, LineageInfo& info) {
  storage::LivePaths paths = ctx.lineages().Paths(info.name);
  info.cert_path = paths.cert;
  info.chain_path = paths.chain;
  info.fullchain_path = paths.fullchain;
  info.privkey_path = paths.privkey;
}

}  // namespace

TimePoint RenewAfterFor(const crypto::Certificate& cert,
                        const RenewalSettings& settings) {
  std::optional<std::chrono::seconds> window;
  if (settings.renew_before_expiry)
    window = ParseRenewBeforeExpiry(*settings.renew_before_expiry);
  return RenewAfter(cert.NotBefore(), cert.NotAfter(), window);
}

LineageInfo InspectLineage(RunContext& ctx, const std::string& name,
                           InspectDepth depth) {
  LineageInfo info;
  info.name = name;
  TakePaths(ctx, info);
  const storage::LivePaths paths = ctx.lineages().Paths(name);
  try {
    info.settings = ReadRenewalConf(ctx, name);
    const RenewalSettings& settings = info.settings;
    info.server = settings.server;
    storage::CertificateFiles files;
    if (depth == InspectDepth::kFull)
      files = ctx.lineages().ReadCurrent(name);
    else
      files.cert_pem = ctx.fs().ReadFile(paths.cert);
    crypto::Certificate cert = crypto::Certificate::FromPem(files.cert_pem);
    TakeCertificate(cert, info);
    if (depth == InspectDepth::kFull) {
      crypto::PrivateKey key = crypto::PrivateKey::FromPem(files.privkey_pem);
      info.valid = cert.MatchesKey(key) && ctx.clock().Now() < info.not_after &&
                   files.fullchain_pem == files.cert_pem + files.chain_pem;
    } else {
      info.valid = ctx.clock().Now() < info.not_after;
    }
  } catch (const Error& e) {
    info.problem = e.what();
    info.valid = false;
  }
  info.history = LoadRenewalHistory(ctx.fs(), ctx.layout(), name);
  return info;
}

LineageInfo InspectFleetVersion(RunContext& ctx, const std::string& name,
                                const std::string& cert_pem,
                                const std::string& renewal_conf,
                                const std::string& where) {
  LineageInfo info;
  info.name = name;
  TakePaths(ctx, info);
  try {
    if (cert_pem.empty()) throw Error(where + "cert is missing");
    info.settings = RenewalSettingsOf(
        storage::RenewalConf::Parse(renewal_conf, where + "renewal"),
        where + "renewal");
    info.server = info.settings.server;
    const crypto::Certificate cert = crypto::Certificate::FromPem(cert_pem);
    TakeCertificate(cert, info);
    // The key stays sealed (a node without the fleet key lists too): only
    // the dates can make the certificate invalid here.
    info.valid = ctx.clock().Now() < info.not_after;
  } catch (const Error& e) {
    info.problem = e.what();
    info.valid = false;
  }
  // This node's own attempts at renewing it, if it made any.
  info.history = LoadRenewalHistory(ctx.fs(), ctx.layout(), name);
  return info;
}

}  // namespace certpilot::app
