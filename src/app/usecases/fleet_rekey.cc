#include "app/usecases/fleet_rekey.h"

#include <ostream>

#include "app/wiring/fleet_connection.h"
#include "crypto/digest.h"
#include "fleet/reseal.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

int FleetRekey(const FleetRekeyOptions& o, Services& services) {
  const FleetOptions fleet = CheckFleetOptions(o.fleet, services.fs);
  const crypto::SealKeys keys =
      ReadFleetKeys(fleet, services.fs, "fleet rekey");
  FleetConnection connection = ConnectFleet(fleet, services.fs);
  const fleet::ResealReport report =
      fleet::ResealAll(*connection.etcd, fleet.prefix, keys);
  services.out << "Re-sealed " << report.resealed
               << " private key(s) under fleet key "
               << crypto::HexLower(keys.ids().front()) << "; " << report.current
               << " already were.\n";
  for (const std::string& failure : report.failed) {
    services.out << "failed  " << StripControl(failure) << "\n";
    log::Error("fleet rekey: " + StripControl(failure));
  }
  if (!report.failed.empty())
    services.out << "Not re-sealed: " << report.failed.size()
                 << " value(s); keep the old key on every node until they "
                    "are.\n";
  return report.failed.empty() ? 0 : 1;
}

}  // namespace certpilot::app
