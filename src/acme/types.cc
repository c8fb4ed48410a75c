#include "acme/types.h"

namespace certpilot::acme {

Status ParseStatus(std::string_view s) {
  if (s == "pending") return Status::kPending;
  if (s == "ready") return Status::kReady;
  if (s == "processing") return Status::kProcessing;
  if (s == "valid") return Status::kValid;
  if (s == "invalid") return Status::kInvalid;
  if (s == "deactivated") return Status::kDeactivated;
  if (s == "expired") return Status::kExpired;
  if (s == "revoked") return Status::kRevoked;
  return Status::kUnknown;
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPending:
      return "pending";
    case Status::kReady:
      return "ready";
    case Status::kProcessing:
      return "processing";
    case Status::kValid:
      return "valid";
    case Status::kInvalid:
      return "invalid";
    case Status::kDeactivated:
      return "deactivated";
    case Status::kExpired:
      return "expired";
    case Status::kRevoked:
      return "revoked";
    case Status::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace certpilot::acme
