#include "app/certonly.h"

#include <algorithm>
#include <ostream>

#include "acme/client.h"
#include "acme/identifier.h"
#include "app/account_setup.h"
#include "app/lineage_info.h"
#include "app/renewal_settings.h"
#include "app/run_context.h"
#include "crypto/certificate.h"
#include "issuance/obtain.h"
#include "solvers/http01_responder.h"
#include "solvers/standalone_solver.h"
#include "storage/lineage_store.h"
#include "storage/renewal_conf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

crypto::KeySpec ParseKeySpec(const CertonlyOptions& o) {
  crypto::KeySpec spec;
  if (o.key_type == "ecdsa") {
    spec.type = crypto::KeyType::kEcdsa;
    if (o.elliptic_curve != "secp256r1" && o.elliptic_curve != "secp384r1")
      throw UsageError("--elliptic-curve must be secp256r1 or secp384r1, not \"" +
                       StripControl(o.elliptic_curve) + "\"");
    spec.curve = o.elliptic_curve;
  } else if (o.key_type == "rsa") {
    spec.type = crypto::KeyType::kRsa;
    if (o.rsa_key_size != 2048 && o.rsa_key_size != 3072 && o.rsa_key_size != 4096)
      throw UsageError("--rsa-key-size must be 2048, 3072 or 4096, not " +
                       std::to_string(o.rsa_key_size));
    spec.rsa_bits = o.rsa_key_size;
  } else {
    throw UsageError("--key-type must be rsa or ecdsa, not \"" + StripControl(o.key_type) + "\"");
  }
  return spec;
}

// certbot names a lineage after the first name, without a wildcard's "*.".
std::string DefaultLineageName(const std::vector<acme::Identifier>& ids) {
  std::string name = ids.front().value;
  if (StartsWith(name, "*.")) name = name.substr(2);
  return name;
}

std::vector<std::string> Names(const std::vector<acme::Identifier>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(id.value);
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

int Certonly(const CertonlyOptions& o, Services& services) {
  // --- every input check before any network or file work ---
  if (o.domains.empty())
    throw UsageError("no domain names given: pass -d example.com (repeatable)");
  std::vector<acme::Identifier> ids = acme::ParseIdentifierInputs(o.domains);
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  crypto::KeySpec key_spec = ParseKeySpec(o);
  if (o.authenticator != "standalone")
    throw UsageError("unsupported authenticator \"" + o.authenticator + "\"");
  if (o.http01_port < 1 || o.http01_port > 65535)
    throw UsageError("--http-01-port must be between 1 and 65535");
  RunContext ctx(o.common, services);  // validates server URL, takes the lock

  std::optional<Registration> registration =
      PrepareRegistration(o.common, ctx.accounts(), services.prompter);

  // Which lineage: the named one, an existing one with exactly these names,
  // or a new one.
  storage::LineageStore& lineages = ctx.lineages();
  std::string name;
  std::vector<std::string> want = Sorted(Names(ids));
  if (!o.cert_name.empty()) {
    name = o.cert_name;
  } else {
    for (const std::string& existing : lineages.ListNames()) {
      auto info = InspectLineage(ctx, existing);
      if (info.problem.empty() && Sorted(info.domains) == want) {
        name = existing;
        break;
      }
    }
    if (name.empty()) name = lineages.AvailableName(DefaultLineageName(ids));
  }
  if (lineages.CurrentVersion(name) && !o.force_renewal) {
    LineageInfo info = InspectLineage(ctx, name);
    if (info.problem.empty() && Sorted(info.domains) == want &&
        services.clock.Now() < info.renew_after) {
      services.out << "Certificate " << name << " is not yet due for renewal (renews after "
                   << FormatRfc3339(info.renew_after) << "); nothing to do.\n"
                   << "Pass --force-renewal to replace it anyway.\n";
      return 0;
    }
  }

  std::unique_ptr<http::HttpClient> http = services.make_http(o.common);
  acme::Client client(*http, services.clock, o.common.ServerUrl());
  UseAccount(client, o.common, ctx.accounts(), registration);

  solvers::Http01ResponderOptions ropts;
  ropts.address = o.http01_address;
  ropts.port = o.http01_port;
  solvers::Http01Responder responder(ropts);
  responder.Start();
  solvers::StandaloneSolver solver(responder);

  log::Info("Requesting a certificate for " + Join(Names(ids), ", "));
  issuance::ObtainRequest req{ids, crypto::PrivateKey::Generate(key_spec), {&solver}, "", "", "", false};
  issuance::ObtainResult result = issuance::Obtain(client, services.clock, req);
  responder.Stop();

  storage::CertificateFiles files{req.certificate_key.ToPem(), result.cert_pem,
                                  result.chain_pem, result.fullchain_pem};
  lineages.SaveVersion(name, files);

  // What renewal needs, in certbot's key names.
  RenewalSettings settings;
  settings.server = o.common.ServerUrl();
  settings.account_id = storage::AccountStore::AccountId(*client.account_key());
  settings.authenticator = o.authenticator;
  settings.key_spec = key_spec;
  settings.http01_port = o.http01_port;
  settings.http01_address = o.http01_address;
  WriteRenewalConf(ctx, name, settings);

  crypto::Certificate cert = crypto::Certificate::FromPem(result.cert_pem);
  storage::LivePaths paths = lineages.Paths(name);
  services.out << "Successfully received certificate.\n"
               << "Certificate is saved at: " << paths.fullchain << "\n"
               << "Key is saved at:         " << paths.privkey << "\n"
               << "This certificate expires on " << FormatRfc3339(cert.NotAfter()) << ".\n";
  return 0;
}

}  // namespace certpilot::app
