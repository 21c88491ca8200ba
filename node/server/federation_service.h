// gRPC Federation service on the federation port (mutual TLS). Takes the
// caller's key from its certificate and hands the call to
// federation::Federation; holds no federation logic. Thread-safe.
#ifndef CIVHUB_NODE_SERVER_FEDERATION_SERVICE_H_
#define CIVHUB_NODE_SERVER_FEDERATION_SERVICE_H_

#include "civhub/v1/federation.grpc.pb.h"
#include "federation/federation.h"

namespace civhub::server {

class FederationService final : public v1::Federation::Service {
 public:
  // `federation` must outlive the service.
  explicit FederationService(federation::Federation* federation)
      : federation_(federation) {}

  grpc::Status RequestLink(grpc::ServerContext* ctx,
                           const v1::LinkRequest* request,
                           v1::LinkResponse* response) override;
  grpc::Status ConfirmLink(grpc::ServerContext* ctx,
                           const v1::LinkConfirmation* request,
                           v1::LinkAck* response) override;
  grpc::Status RemoveLink(grpc::ServerContext* ctx,
                          const v1::LinkRemoval* request,
                          v1::LinkAck* response) override;
  grpc::Status Sync(grpc::ServerContext* ctx, const v1::SyncRequest* request,
                    v1::SyncResponse* response) override;
  grpc::Status Push(grpc::ServerContext* ctx, const v1::PushRequest* request,
                    v1::PushResponse* response) override;
  grpc::Status Announce(grpc::ServerContext* ctx,
                        const v1::AnnounceRequest* request,
                        v1::AnnounceResponse* response) override;
  grpc::Status Fetch(grpc::ServerContext* ctx, const v1::FetchRequest* request,
                     v1::FetchResponse* response) override;

 private:
  federation::Federation* const federation_;
};

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_FEDERATION_SERVICE_H_
