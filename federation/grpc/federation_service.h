// gRPC Federation service on the federation port (mutual TLS). Takes the
// caller's key from its certificate and hands the call to
// federation::Federation; holds no federation logic. Refusals are logged
// once per client and RPC per minute with a count (LogLimiter), so a
// client calling in a loop cannot flood the log. Thread-safe.
#ifndef CIVHUB_FEDERATION_GRPC_FEDERATION_SERVICE_H_
#define CIVHUB_FEDERATION_GRPC_FEDERATION_SERVICE_H_

#include "civhub/v1/federation.grpc.pb.h"
#include "federation/federation.h"
#include "federation/grpc/log_limiter.h"

namespace civhub::federation {

class FederationService final : public v1::Federation::Service {
 public:
  // `federation` must outlive the service.
  explicit FederationService(federation::Federation* federation,
                             LogLimiter::Options log_options = {})
      : federation_(federation), log_(std::move(log_options)) {}

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
  // Authenticates the caller, runs `handle`, logs refusals through log_.
  template <typename Response, typename Handle>
  grpc::Status Serve(grpc::ServerContext* ctx, const char* rpc,
                     Response* response, Handle handle);

  federation::Federation* const federation_;
  LogLimiter log_;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_GRPC_FEDERATION_SERVICE_H_
