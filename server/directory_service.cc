#include "server/directory_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "federation/grpc/grpc_status.h"
#include "node/search/search_metrics.h"

namespace civhub::server {
namespace {

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response, const char* rpc) {
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kNotFound) {
      spdlog::debug("{} rejected: {}", rpc, result.status().ToString());
    }
    return federation::ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

std::function<std::string(const std::string&)> KeyFunction(
    const DirectoryLimits& limits) {
  if (limits.client_key) return limits.client_key;
  return [](const std::string& peer) { return federation::ClientKey(peer); };
}

}  // namespace

DirectoryService::DirectoryService(const node::Hub* hub,
                                   federation::AbuseSink* abuse,
                                   const DirectoryLimits& limits)
    : hub_(hub),
      limits_(limits),
      client_key_(KeyFunction(limits)),
      abuse_(abuse, limits.abuse_threshold),
      gate_(limits.calls),
      watches_(hub, &gate_, limits.watch, client_key_) {}

DirectoryService::~DirectoryService() {
  watches_.Stop();
  gate_.Stop();
}

void DirectoryService::StopWatches() { watches_.Stop(); }

grpc::ServerUnaryReactor* DirectoryService::Admit(
    grpc::CallbackServerContext* ctx,
    std::function<grpc::Status(const node::QueryStop&)> work) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::string peer = ctx->peer();
  std::string client = client_key_(peer);
  const auto server_deadline =
      std::chrono::system_clock::now() +
      absl::ToChronoMilliseconds(limits_.search_deadline);
  const absl::Time deadline =
      absl::FromChrono(std::min(server_deadline, ctx->deadline()));

  node::CallGate::Call call;
  call.client = client;
  call.cancelled = [ctx] { return ctx->IsCancelled(); };
  call.run = [this, ctx, reactor, work = std::move(work), peer, client,
              deadline](node::CallOutcome outcome) {
    grpc::Status status;
    if (outcome == node::CallOutcome::kStopped) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the hub is shutting down; retry in a minute");
    } else if (outcome == node::CallOutcome::kCancelled) {
      status = grpc::Status::CANCELLED;
    } else if (absl::Now() >= deadline) {
      status = grpc::Status(
          grpc::StatusCode::DEADLINE_EXCEEDED,
          "the call waited past its deadline for the hub; retry later");
    } else {
      node::QueryStop stop;
      stop.deadline = deadline;
      stop.cancelled = [ctx] { return ctx->IsCancelled(); };
      status = work(stop);
    }
    if (status.error_code() == grpc::StatusCode::CANCELLED) {
      abuse_.Note(peer, client, AbuseMeter::Kind::kCancelled);
    }
    reactor->Finish(status);
  };
  if (absl::Status st = gate_.Submit(std::move(call)); !st.ok()) {
    if (st.code() == absl::StatusCode::kResourceExhausted) {
      abuse_.Note(peer, client, AbuseMeter::Kind::kRefused);
    }
    reactor->Finish(federation::ToGrpcStatus(st));
  }
  return reactor;
}

grpc::ServerUnaryReactor* DirectoryService::GetRecord(
    grpc::CallbackServerContext* ctx, const v1::GetRecordRequest* request,
    v1::Record* response) {
  return Admit(ctx, [this, request, response](const node::QueryStop&) {
    return Reply(hub_->directory().GetRecord(*request), response, "GetRecord");
  });
}

grpc::ServerUnaryReactor* DirectoryService::Search(
    grpc::CallbackServerContext* ctx, const v1::SearchRequest* request,
    v1::SearchResponse* response) {
  return Admit(ctx, [this, request, response](const node::QueryStop& stop) {
    const absl::Time start = absl::Now();
    auto found = hub_->directory().Search(*request, stop);
    node::ObserveSearch(*request, "grpc", absl::Now() - start);
    return Reply(std::move(found), response, "Search");
  });
}

grpc::ServerUnaryReactor* DirectoryService::Match(
    grpc::CallbackServerContext* ctx, const v1::MatchRequest* request,
    v1::MatchResponse* response) {
  return Admit(ctx, [this, request, response](const node::QueryStop& stop) {
    const absl::Time start = absl::Now();
    auto found = hub_->directory().Match(*request, stop);
    node::ObserveMatch(*request, "grpc", absl::Now() - start);
    return Reply(std::move(found), response, "Match");
  });
}

grpc::ServerUnaryReactor* DirectoryService::ListMembers(
    grpc::CallbackServerContext* ctx, const v1::ListMembersRequest* request,
    v1::ListMembersResponse* response) {
  return Admit(ctx, [this, request, response](const node::QueryStop&) {
    return Reply(hub_->directory().ListMembers(*request), response,
                 "ListMembers");
  });
}

grpc::ServerUnaryReactor* DirectoryService::ListCommunities(
    grpc::CallbackServerContext* ctx, const v1::ListCommunitiesRequest* request,
    v1::ListCommunitiesResponse* response) {
  return Admit(ctx, [this, request, response](const node::QueryStop&) {
    return Reply(hub_->directory().ListCommunities(*request), response,
                 "ListCommunities");
  });
}

grpc::ServerWriteReactor<v1::WatchResponse>* DirectoryService::Watch(
    grpc::CallbackServerContext* ctx, const v1::WatchRequest* request) {
  return watches_.Open(ctx, request);
}

}  // namespace civhub::server
