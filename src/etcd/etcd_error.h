// The error an etcd member answered with: a gRPC status code and its
// message, as etcd's v3 JSON gateway reports them ({"code": 9, "message":
// "etcdserver: ..."}); also thrown with kUnavailable when no endpoint could
// be reached at all (each endpoint's transport failure in the message).
#pragma once

#include <string>

#include "util/error.h"

namespace certpilot::etcd {

// The gRPC status codes etcd uses (google.golang.org/grpc/codes).
enum class GrpcCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

class EtcdError : public Error {
 public:
  // `what` reads "etcd: <operation>: <message> (gRPC code N)".
  EtcdError(GrpcCode code, const std::string& operation,
            const std::string& message);
  GrpcCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  GrpcCode code_;
  std::string message_;
};

}  // namespace certpilot::etcd
