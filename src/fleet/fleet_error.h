// The fleet layer's error (issue #17): shared state in etcd that cannot be
// used as it is — a lineage version with a part missing, a sealed private
// key that this node's fleet key cannot open (tampered, copied under
// another name, or sealed under another key), a name that cannot be a key.
// etcd's own failures stay etcd::EtcdError. Exit code 1.
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::fleet {

class FleetError : public Error {
 public:
  // `what` reads "fleet: <message>".
  explicit FleetError(const std::string& message)
      : Error("fleet: " + message) {}
};

}  // namespace certpilot::fleet
