#include "node/server/federation_service.h"

#include <spdlog/spdlog.h>

#include "federation/grpc_transport.h"
#include "node/server/grpc_status.h"

namespace civhub::server {
namespace {

// Authenticates the caller, runs `handle`, logs refusals.
template <typename Response, typename Handle>
grpc::Status Serve(grpc::ServerContext* ctx, const char* rpc,
                   Response* response, Handle handle) {
  absl::StatusOr<crypto::PublicKey> caller = federation::CallerKey(*ctx);
  if (!caller.ok()) {
    spdlog::warn("federation {} from {} refused: {}", rpc, ctx->peer(),
                 std::string(caller.status().message()));
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<Response> result = handle(*caller);
  if (!result.ok()) {
    // FAILED_PRECONDITION: a link this hub has not seen confirmed yet, a
    // step of linking that the next call gets past.
    spdlog::log(result.status().code() == absl::StatusCode::kFailedPrecondition
                    ? spdlog::level::debug
                    : spdlog::level::warn,
                "federation {} from {} ({}) refused: {}", rpc, caller->HubId(),
                ctx->peer(), result.status().ToString());
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status FederationService::RequestLink(grpc::ServerContext* ctx,
                                            const v1::LinkRequest* request,
                                            v1::LinkResponse* response) {
  return Serve(
      ctx, "RequestLink", response, [&](const crypto::PublicKey& caller) {
        absl::StatusOr<v1::LinkResponse> r = federation_->HandleRequestLink(
            caller, *request, federation::SourceNetwork(ctx->peer()));
        if (r.ok() && r->state() == v1::LinkResponse::PENDING) {
          spdlog::info(
              "link request from {} ({}) is waiting for approval: "
              "civhubctl peer "
              "approve {}",
              caller.HubId(), ctx->peer(), caller.HubId());
        }
        return r;
      });
}

grpc::Status FederationService::ConfirmLink(grpc::ServerContext* ctx,
                                            const v1::LinkConfirmation* request,
                                            v1::LinkAck* response) {
  return Serve(ctx, "ConfirmLink", response,
               [&](const crypto::PublicKey& caller) {
                 return federation_->HandleConfirmLink(caller, *request);
               });
}

grpc::Status FederationService::RemoveLink(grpc::ServerContext* ctx,
                                           const v1::LinkRemoval* request,
                                           v1::LinkAck* response) {
  return Serve(
      ctx, "RemoveLink", response, [&](const crypto::PublicKey& caller) {
        spdlog::info("link with {} removed by that hub", caller.HubId());
        return federation_->HandleRemoveLink(caller, *request);
      });
}

grpc::Status FederationService::Sync(grpc::ServerContext* ctx,
                                     const v1::SyncRequest* request,
                                     v1::SyncResponse* response) {
  return Serve(ctx, "Sync", response, [&](const crypto::PublicKey& caller) {
    return federation_->HandleSync(caller, *request);
  });
}

grpc::Status FederationService::Push(grpc::ServerContext* ctx,
                                     const v1::PushRequest* request,
                                     v1::PushResponse* response) {
  return Serve(ctx, "Push", response, [&](const crypto::PublicKey& caller) {
    return federation_->HandlePush(caller, *request);
  });
}

grpc::Status FederationService::Announce(grpc::ServerContext* ctx,
                                         const v1::AnnounceRequest* request,
                                         v1::AnnounceResponse* response) {
  return Serve(ctx, "Announce", response, [&](const crypto::PublicKey& caller) {
    return federation_->HandleAnnounce(caller, *request);
  });
}

grpc::Status FederationService::Fetch(grpc::ServerContext* ctx,
                                      const v1::FetchRequest* request,
                                      v1::FetchResponse* response) {
  return Serve(ctx, "Fetch", response, [&](const crypto::PublicKey& caller) {
    return federation_->HandleFetch(caller, *request);
  });
}

}  // namespace civhub::server
