#include "node/server/directory_service.h"

#include <spdlog/spdlog.h>

#include "node/server/grpc_status.h"

namespace civhub::server {
namespace {

// A Watch response holds at most this many changes or about this many bytes.
constexpr size_t kWatchBatchRecords = 256;
constexpr size_t kWatchBatchBytes = 4 << 20;

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response, const char* rpc) {
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kNotFound) {
      spdlog::debug("{} rejected: {}", rpc, result.status().ToString());
    }
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status DirectoryService::GetRecord(grpc::ServerContext*,
                                         const v1::GetRecordRequest* request,
                                         v1::Record* response) {
  return Reply(hub_->directory().GetRecord(*request), response, "GetRecord");
}

grpc::Status DirectoryService::Search(grpc::ServerContext*,
                                      const v1::SearchRequest* request,
                                      v1::SearchResponse* response) {
  return Reply(hub_->directory().Search(*request), response, "Search");
}

grpc::Status DirectoryService::ListMembers(
    grpc::ServerContext*, const v1::ListMembersRequest* request,
    v1::ListMembersResponse* response) {
  return Reply(hub_->directory().ListMembers(*request), response,
               "ListMembers");
}

grpc::Status DirectoryService::ListCommunities(
    grpc::ServerContext*, const v1::ListCommunitiesRequest* request,
    v1::ListCommunitiesResponse* response) {
  return Reply(hub_->directory().ListCommunities(*request), response,
               "ListCommunities");
}

void DirectoryService::StopWatches() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

grpc::Status DirectoryService::Watch(
    grpc::ServerContext* ctx, const v1::WatchRequest* request,
    grpc::ServerWriter<v1::WatchResponse>* writer) {
  {
    // A client that cancels a stream and opens a new one (a reconnect) must
    // not be refused because the old stream's handler has not yet noticed:
    // wait for that slot.
    absl::MutexLock lock(&mu_);
    auto free_slot = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return watchers_ < kMaxWatchStreams || stopping_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&free_slot), kWatchSlotWait) ||
        stopping_) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "too many Watch streams on this hub; retry later");
    }
    ++watchers_;
  }
  struct Release {
    DirectoryService* service;
    ~Release() {
      absl::MutexLock lock(&service->mu_);
      --service->watchers_;
    }
  } release{this};

  uint64_t cursor = request->after_cursor();
  bool caught_up = false;
  // Each Write blocks until the client has taken enough of the previous
  // ones (HTTP/2 flow control), so a client that stops reading holds one
  // batch here, not an ever-growing queue.
  while (!ctx->IsCancelled() && !stopping_) {
    absl::StatusOr<std::vector<v1::Change>> changes =
        hub_->directory().ChangesAfter(cursor, kWatchBatchRecords);
    if (!changes.ok()) return ToGrpcStatus(changes.status());
    if (changes->empty()) {
      if (!caught_up) {
        caught_up = true;
        v1::WatchResponse marker;
        marker.set_caught_up(true);
        if (!writer->Write(marker)) break;
      }
      hub_->store()->WaitForChange(cursor, absl::Milliseconds(500));
      continue;
    }
    const bool full = changes->size() == kWatchBatchRecords;
    v1::WatchResponse response;
    size_t bytes = 0;
    for (v1::Change& change : *changes) {
      bytes += change.ByteSizeLong();
      cursor = change.cursor();
      *response.add_changes() = std::move(change);
      if (bytes >= kWatchBatchBytes) break;
    }
    if (!full && response.changes_size() == static_cast<int>(changes->size())) {
      caught_up = true;
    }
    response.set_caught_up(caught_up);
    if (!writer->Write(response)) break;
  }
  return grpc::Status::OK;
}

}  // namespace civhub::server
