#include "etcd/etcd_error.h"

namespace certpilot::etcd {

EtcdError::EtcdError(GrpcCode code, const std::string& operation,
                     const std::string& message)
    : Error("etcd: " + operation + ": " + message + " (gRPC code " +
            std::to_string(static_cast<int>(code)) + ")"),
      code_(code),
      message_(message) {}

}  // namespace certpilot::etcd
