// The Directory's Watch streams as callback reactors: no thread per stream.
// Batches are read on the CallGate's workers; one thread waits on the store
// for changes, wakes the streams that are caught up, and ends streams that
// sat idle or stopped reading.
#ifndef CIVHUB_SERVER_WATCH_STREAMS_H_
#define CIVHUB_SERVER_WATCH_STREAMS_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "node/base/call_gate.h"
#include "node/hub.h"

namespace civhub::server {

struct WatchLimits {
  // Streams open at once, all clients together, and per client
  // (federation::ClientKey; the local admin socket's "" is not limited). A
  // stream beyond the total gets RESOURCE_EXHAUSTED at once; beyond its
  // client's cap, after waiting up to kWatchSlotWait for one of the client's
  // streams to end.
  int max_streams = 256;
  int max_streams_per_client = 8;
  // A stream caught up with nothing to send for this long is finished with
  // OK; its client resumes from its last cursor.
  absl::Duration idle_timeout = absl::Minutes(10);
  // A response the client does not take for this long (it stopped reading)
  // cancels the stream.
  absl::Duration write_timeout = absl::Seconds(60);
};

// A stream beyond its client's cap waits this long for one of the client's
// streams to end (a reconnect: the old stream's cancellation may arrive
// after the new stream), then gets RESOURCE_EXHAUSTED.
inline constexpr absl::Duration kWatchSlotWait = absl::Seconds(2);

class WatchStream;

// Thread-safe. `hub` and `gate` must outlive it, and it must outlive the
// gRPC server whose streams it serves (destroy it after that server has shut
// down).
class WatchStreams {
 public:
  WatchStreams(const node::Hub* hub, node::CallGate* gate,
               const WatchLimits& limits,
               std::function<std::string(const std::string&)> client_key);
  ~WatchStreams();

  // The reactor for a new Watch call: a stream, or one that finishes at
  // once with RESOURCE_EXHAUSTED when no slot is free.
  grpc::ServerWriteReactor<v1::WatchResponse>* Open(
      grpc::CallbackServerContext* ctx, const v1::WatchRequest* request);

  // Ends every stream with OK as soon as it has no write outstanding, and
  // refuses new ones (UNAVAILABLE). Call before the server's Shutdown.
  void Stop();

  // Streams open; for tests.
  int open() const;

 private:
  friend class WatchStream;

  void Watch();
  void Closed(WatchStream* stream);
  grpc::Status PerClientRefusal() const;
  bool stopping() const;

  const node::Hub* const hub_;
  node::CallGate* const gate_;
  const WatchLimits limits_;
  const std::function<std::string(const std::string&)> client_key_;

  mutable absl::Mutex mu_;
  absl::flat_hash_set<WatchStream*> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_client_ ABSL_GUARDED_BY(mu_);
  // Streams of clients at their cap, waiting (until `until`) for one of
  // theirs to end; in arrival order.
  struct Waiting {
    WatchStream* stream;
    absl::Time until;
  };
  std::vector<Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  // Read without mu_: reactions check it while the watcher holds mu_.
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_WATCH_STREAMS_H_
