// gRPC Admin service, served only on the hub's unix socket. Translates to
// node::Hub calls and logs each change. Thread-safe.
#ifndef CIVHUB_SERVER_ADMIN_SERVICE_H_
#define CIVHUB_SERVER_ADMIN_SERVICE_H_

#include <string>

#include "absl/time/time.h"
#include "civhub/v1/admin.grpc.pb.h"
#include "federation/federation.h"
#include "node/hub.h"
#include "server/connection_guard.h"

namespace civhub::server {

// Bytes of the regular files under `dir` (the store's size on disk); 0 if
// it cannot be read.
uint64_t DirectoryBytes(const std::string& dir);

inline constexpr int kMaxImportBatch = 500;

struct AdminInfo {
  std::string data_dir;
  std::string store_dir;
  std::string public_address;
  std::string federation_address;
  // Empty if HTTP is off.
  std::string http_address;
  v1::HubProfile profile;
  absl::Time started_at;
  // The public ports' connection guards (null in tests without them); they
  // outlive the service.
  const ConnectionGuard* directory_guard = nullptr;
  const ConnectionGuard* federation_guard = nullptr;
};

class AdminService final : public v1::Admin::Service {
 public:
  // `hub` and `federation` must outlive the service.
  AdminService(node::Hub* hub, federation::Federation* federation,
               AdminInfo info)
      : hub_(hub), federation_(federation), info_(std::move(info)) {}

  grpc::Status Publish(grpc::ServerContext* ctx,
                       const v1::PublishRequest* request,
                       v1::PublishResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* ctx,
                      const v1::DeleteRequest* request,
                      v1::PublishResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* ctx,
                         const v1::GetStatusRequest* request,
                         v1::HubStatus* response) override;
  grpc::Status PublishBatch(grpc::ServerContext* ctx,
                            const v1::PublishBatchRequest* request,
                            v1::PublishBatchResponse* response) override;
  grpc::Status ImportRecords(grpc::ServerContext* ctx,
                             const v1::ImportRecordsRequest* request,
                             v1::ImportRecordsResponse* response) override;
  grpc::Status AddPeer(grpc::ServerContext* ctx,
                       const v1::AddPeerRequest* request,
                       v1::Peer* response) override;
  grpc::Status ListPendingPeers(
      grpc::ServerContext* ctx, const v1::ListPendingPeersRequest* request,
      v1::ListPendingPeersResponse* response) override;
  grpc::Status ApprovePeer(grpc::ServerContext* ctx,
                           const v1::PeerRequest* request,
                           v1::Peer* response) override;
  grpc::Status RejectPeer(grpc::ServerContext* ctx,
                          const v1::PeerRequest* request,
                          v1::Peer* response) override;
  grpc::Status ListPeers(grpc::ServerContext* ctx,
                         const v1::ListPeersRequest* request,
                         v1::ListPeersResponse* response) override;
  grpc::Status RemovePeer(grpc::ServerContext* ctx,
                          const v1::PeerRequest* request,
                          v1::Peer* response) override;
  grpc::Status CreateInvite(grpc::ServerContext* ctx,
                            const v1::CreateInviteRequest* request,
                            v1::Invite* response) override;
  grpc::Status ListInvites(grpc::ServerContext* ctx,
                           const v1::ListInvitesRequest* request,
                           v1::ListInvitesResponse* response) override;
  grpc::Status RevokeInvite(grpc::ServerContext* ctx,
                            const v1::RevokeInviteRequest* request,
                            v1::Invite* response) override;
  grpc::Status BlockOrigin(grpc::ServerContext* ctx,
                           const v1::BlockRequest* request,
                           v1::BlockResponse* response) override;
  grpc::Status UnblockOrigin(grpc::ServerContext* ctx,
                             const v1::BlockRequest* request,
                             v1::BlockResponse* response) override;
  grpc::Status GetNetwork(grpc::ServerContext* ctx,
                          const v1::GetNetworkRequest* request,
                          v1::Network* response) override;
  grpc::Status Check(grpc::ServerContext* ctx, const v1::CheckRequest* request,
                     v1::CheckReport* response) override;

 private:
  node::Hub* const hub_;
  federation::Federation* const federation_;
  const AdminInfo info_;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_ADMIN_SERVICE_H_
