// The one place an absl::Status becomes a grpc::Status.
#ifndef CIVHUB_NODE_SERVER_GRPC_STATUS_H_
#define CIVHUB_NODE_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace civhub::server {

// Same code (the two enums share numbering), same message.
inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_GRPC_STATUS_H_
