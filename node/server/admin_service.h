// gRPC Admin service, served only on the hub's unix socket. Translates to
// node::Hub calls and logs each change. Thread-safe.
#ifndef CIVHUB_NODE_SERVER_ADMIN_SERVICE_H_
#define CIVHUB_NODE_SERVER_ADMIN_SERVICE_H_

#include <string>

#include "absl/time/time.h"
#include "civhub/v1/admin.grpc.pb.h"
#include "node/hub.h"

namespace civhub::server {

inline constexpr int kMaxImportBatch = 500;

struct AdminInfo {
  std::string data_dir;
  std::string store_dir;
  std::string public_address;
  absl::Time started_at;
};

class AdminService final : public v1::Admin::Service {
 public:
  // `hub` must outlive the service.
  AdminService(node::Hub* hub, AdminInfo info)
      : hub_(hub), info_(std::move(info)) {}

  grpc::Status Publish(grpc::ServerContext* ctx,
                       const v1::PublishRequest* request,
                       v1::PublishResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* ctx,
                      const v1::DeleteRequest* request,
                      v1::PublishResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* ctx,
                         const v1::GetStatusRequest* request,
                         v1::HubStatus* response) override;
  grpc::Status ImportRecords(grpc::ServerContext* ctx,
                             const v1::ImportRecordsRequest* request,
                             v1::ImportRecordsResponse* response) override;

 private:
  node::Hub* const hub_;
  const AdminInfo info_;
};

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_ADMIN_SERVICE_H_
