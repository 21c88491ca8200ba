// gRPC Directory service: translates requests to node::Directory queries.
// Holds no business logic. Thread-safe.
//
// On gRPC's callback API, so a call costs no thread: a handler only admits
// the call into a CallGate, whose few workers run the query; a client over
// its limit is refused at once. Watch streams are reactors (WatchStreams).
#ifndef CIVHUB_SERVER_DIRECTORY_SERVICE_H_
#define CIVHUB_SERVER_DIRECTORY_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "federation/grpc/client_address.h"
#include "node/base/call_gate.h"
#include "node/hub.h"
#include "server/abuse_meter.h"
#include "server/watch_streams.h"

namespace civhub::server {

struct DirectoryLimits {
  node::CallLimits calls;
  WatchLimits watch;
  // A Search or a Match stops with DEADLINE_EXCEEDED this long after it
  // was admitted, or at the client's own deadline if that is sooner.
  absl::Duration search_deadline = absl::Seconds(10);
  // Refused plus cancelled calls in one second beyond which a client is
  // reported to the federation::AbuseSink.
  int abuse_threshold = AbuseMeter::kDefaultThreshold;
  // Who a call is from, for the per-client limits; empty:
  // federation::ClientKey. Tests set it to tell clients on one loopback address
  // apart.
  std::function<std::string(const std::string& grpc_peer)> client_key;
};

class DirectoryService final : public v1::Directory::CallbackService {
 public:
  // `hub` must outlive the service; `abuse` (may be null) too. The service
  // must outlive the gRPC server it is registered with.
  DirectoryService(const node::Hub* hub, federation::AbuseSink* abuse,
                   const DirectoryLimits& limits = {});
  ~DirectoryService() override;

  // Makes running Watch streams end promptly (OK); call before server
  // Shutdown.
  void StopWatches();

  // Watch streams open; for tests.
  int watch_streams() const { return watches_.open(); }

  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* ctx,
                                      const v1::GetRecordRequest* request,
                                      v1::Record* response) override;
  grpc::ServerUnaryReactor* Search(grpc::CallbackServerContext* ctx,
                                   const v1::SearchRequest* request,
                                   v1::SearchResponse* response) override;
  grpc::ServerUnaryReactor* Match(grpc::CallbackServerContext* ctx,
                                  const v1::MatchRequest* request,
                                  v1::MatchResponse* response) override;
  grpc::ServerUnaryReactor* ListMembers(
      grpc::CallbackServerContext* ctx, const v1::ListMembersRequest* request,
      v1::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* ListCommunities(
      grpc::CallbackServerContext* ctx,
      const v1::ListCommunitiesRequest* request,
      v1::ListCommunitiesResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* ctx,
      const v1::WatchRequest* request) override;

 private:
  // Admits a unary call; `work` runs on a worker and returns the status to
  // finish with.
  grpc::ServerUnaryReactor* Admit(
      grpc::CallbackServerContext* ctx,
      std::function<grpc::Status(const node::QueryStop&)> work);

  const node::Hub* const hub_;
  const DirectoryLimits limits_;
  const std::function<std::string(const std::string&)> client_key_;
  AbuseMeter abuse_;
  node::CallGate gate_;
  WatchStreams watches_;  // After gate_: its streams read on the gate.
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_DIRECTORY_SERVICE_H_
