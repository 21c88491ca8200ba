#include "federation/grpc/federation_service.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "federation/grpc/client_address.h"
#include "federation/grpc/grpc_status.h"
#include "federation/grpc/grpc_transport.h"

namespace civhub::federation {
namespace {

// Who a refusal is counted against: the client's address (an IPv6 /64), so
// a client minting a key per call still gets one line per interval.
std::string Client(const grpc::ServerContext& ctx) {
  std::string key = ClientKey(ctx.peer());
  return key.empty() ? ctx.peer() : key;
}

}  // namespace

template <typename Response, typename Handle>
grpc::Status FederationService::Serve(grpc::ServerContext* ctx, const char* rpc,
                                      Response* response, Handle handle) {
  const std::string client = Client(*ctx);
  const std::string key = absl::StrCat(rpc, "|", client);
  const std::string subject =
      absl::StrCat("federation ", rpc, " from ", client);
  absl::StatusOr<crypto::PublicKey> caller = federation::CallerKey(*ctx);
  if (!caller.ok()) {
    log_.Refused(spdlog::level::warn, key, subject,
                 std::string(caller.status().message()));
    return ToGrpcStatus(caller.status());
  }
  absl::StatusOr<Response> result = handle(*caller);
  if (!result.ok()) {
    // FAILED_PRECONDITION: a link this hub has not seen confirmed yet, a
    // step of linking that the next call gets past.
    if (result.status().code() == absl::StatusCode::kFailedPrecondition) {
      spdlog::debug("federation {} from {} ({}) refused: {}", rpc,
                    caller->HubId(), ctx->peer(), result.status().ToString());
    } else {
      log_.Refused(
          spdlog::level::warn, key, subject,
          absl::StrCat(caller->HubId(), ": ", result.status().ToString()));
    }
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status FederationService::RequestLink(grpc::ServerContext* ctx,
                                            const v1::LinkRequest* request,
                                            v1::LinkResponse* response) {
  return Serve(
      ctx, "RequestLink", response, [&](const crypto::PublicKey& caller) {
        absl::StatusOr<v1::LinkResponse> r = federation_->HandleRequestLink(
            caller, *request, federation::SourceNetwork(ctx->peer()));
        if (r.ok() && r->state() == v1::LinkResponse::PENDING) {
          // Repeated every 10 s until the admin decides: once a minute.
          log_.Note(spdlog::level::info,
                    absl::StrCat("pending|", caller.bytes()),
                    absl::StrCat("link request from ", caller.HubId(), " (",
                                 ctx->peer(), ")"),
                    "is waiting for approval",
                    absl::StrCat("civhubctl peer approve ", caller.HubId()));
        } else if (r.ok() && r->state() == v1::LinkResponse::ACCEPTED &&
                   !request->invite_secret().empty()) {
          spdlog::info("link request from {} ({}) carried an invite: linked",
                       caller.HubId(), ctx->peer());
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
        absl::StatusOr<v1::LinkAck> r =
            federation_->HandleRemoveLink(caller, *request);
        if (r.ok()) {
          spdlog::info("link with {} removed by that hub", caller.HubId());
        }
        return r;
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

}  // namespace civhub::federation
