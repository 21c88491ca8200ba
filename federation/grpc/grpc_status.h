// The one place an absl::Status becomes a grpc::Status.
#ifndef CIVHUB_FEDERATION_GRPC_GRPC_STATUS_H_
#define CIVHUB_FEDERATION_GRPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace civhub::federation {

// Same code (the two enums share numbering), same message.
inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_GRPC_GRPC_STATUS_H_
