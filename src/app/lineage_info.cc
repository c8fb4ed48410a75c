#include "app/lineage_info.h"

#include "app/renewal_policy.h"
#include "app/renewal_settings.h"
#include "crypto/certificate.h"
#include "storage/renewal_conf.h"
#include "util/error.h"

namespace certpilot::app {

LineageInfo InspectLineage(RunContext& ctx, const std::string& name) {
  LineageInfo info;
  info.name = name;
  storage::LivePaths paths = ctx.lineages().Paths(name);
  info.cert_path = paths.cert;
  info.chain_path = paths.chain;
  info.fullchain_path = paths.fullchain;
  info.privkey_path = paths.privkey;
  try {
    RenewalSettings settings = ReadRenewalConf(ctx, name);
    info.server = settings.server;
    storage::CertificateFiles files = ctx.lineages().ReadCurrent(name);
    crypto::Certificate cert = crypto::Certificate::FromPem(files.cert_pem);
    crypto::PrivateKey key = crypto::PrivateKey::FromPem(files.privkey_pem);
    for (const std::string& n : cert.DnsNames()) info.domains.push_back(n);
    for (const std::string& n : cert.IpAddresses()) info.domains.push_back(n);
    info.serial = cert.SerialHex();
    info.key_type = cert.PublicKeySpec().Name();
    info.not_before = cert.NotBefore();
    info.not_after = cert.NotAfter();
    std::optional<std::chrono::seconds> window;
    if (settings.renew_before_expiry)
      window = ParseRenewBeforeExpiry(*settings.renew_before_expiry);
    info.renew_after = RenewAfter(info.not_before, info.not_after, window);
    info.valid = cert.MatchesKey(key) && ctx.clock().Now() < info.not_after &&
                 files.fullchain_pem == files.cert_pem + files.chain_pem;
  } catch (const Error& e) {
    info.problem = e.what();
    info.valid = false;
  }
  return info;
}

}  // namespace certpilot::app
