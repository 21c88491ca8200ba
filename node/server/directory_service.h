// gRPC Directory service: translates requests to node::Directory queries.
// Holds no business logic. Thread-safe.
#ifndef CIVHUB_NODE_SERVER_DIRECTORY_SERVICE_H_
#define CIVHUB_NODE_SERVER_DIRECTORY_SERVICE_H_

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "node/hub.h"

namespace civhub::server {

// Most concurrent Watch streams per server. A stream beyond them waits up to
// kWatchSlotWait for one to end (a cancelled stream's handler notices within
// half a second), then gets RESOURCE_EXHAUSTED.
inline constexpr int kMaxWatchStreams = 64;
inline constexpr absl::Duration kWatchSlotWait = absl::Seconds(2);

class DirectoryService final : public v1::Directory::Service {
 public:
  // `hub` must outlive the service.
  explicit DirectoryService(const node::Hub* hub) : hub_(hub) {}

  // Makes running Watch streams end promptly; call before server Shutdown.
  void StopWatches();

  grpc::Status GetRecord(grpc::ServerContext* ctx,
                         const v1::GetRecordRequest* request,
                         v1::Record* response) override;
  grpc::Status Search(grpc::ServerContext* ctx,
                      const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;
  grpc::Status ListMembers(grpc::ServerContext* ctx,
                           const v1::ListMembersRequest* request,
                           v1::ListMembersResponse* response) override;
  grpc::Status ListCommunities(grpc::ServerContext* ctx,
                               const v1::ListCommunitiesRequest* request,
                               v1::ListCommunitiesResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override;

 private:
  const node::Hub* const hub_;
  absl::Mutex mu_;
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_DIRECTORY_SERVICE_H_
