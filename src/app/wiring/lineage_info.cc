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
  storage::LivePaths paths = ctx.lineages().Paths(name);
  info.cert_path = paths.cert;
  info.chain_path = paths.chain;
  info.fullchain_path = paths.fullchain;
  info.privkey_path = paths.privkey;
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
    for (const std::string& n : cert.DnsNames()) info.domains.push_back(n);
    for (const std::string& n : cert.IpAddresses()) info.domains.push_back(n);
    info.serial = cert.SerialHex();
    info.key_type = cert.PublicKeySpec().Name();
    info.not_before = cert.NotBefore();
    info.not_after = cert.NotAfter();
    info.renew_after = RenewAfterFor(cert, settings);
    info.ari_cert_id = AriIdOrEmpty(cert);
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

}  // namespace certpilot::app
