// GET /v1/changes: the Directory's Watch feed as a streamed HTTP body, in
// Server-Sent Events or newline-delimited JSON. A stream waiting for new
// changes costs no thread: it keeps the server's `ready` callback until
// there is something to send. Batches are read on the gateway's CallGate
// (node::Directory::ChangesAfter, the same core the gRPC Watch reads); one
// thread waits on the store for changes, wakes the streams that are caught
// up and sends heartbeats so dead clients are found.
#ifndef CIVHUB_GATEWAY_CHANGE_FEED_H_
#define CIVHUB_GATEWAY_CHANGE_FEED_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/message.h"
#include "node/base/call_gate.h"
#include "node/hub.h"

namespace civhub::gateway {

struct ChangeFeedLimits {
  // Streams open at once, all clients together, and per client
  // (http::Request::client). Beyond either: 429.
  int max_streams = 4096;
  int max_streams_per_client = 8;
  // A stream with nothing to send gets a heartbeat this often (an SSE
  // comment, or an empty {"caughtUp":true} line), so a client that went
  // away is noticed by the failed write.
  absl::Duration heartbeat = absl::Seconds(15);
  // A caught-up stream that sent no change for this long is ended (the
  // response completes; an EventSource reconnects with Last-Event-ID, an
  // NDJSON client resumes with ?after=), so a client that stays connected
  // but stopped reading holds its slot for a bounded time, as the gRPC
  // Watch does (--watch-idle-timeout sets both).
  absl::Duration idle_timeout = absl::Minutes(10);
};

// A change feed's body format.
enum class FeedFormat {
  // text/event-stream: per change "id: <cursor>", "event: change",
  // "data: <v1.Change JSON>"; once the backlog is sent, "event: caught_up"
  // (data: {"cursor":"<last cursor>"}); heartbeats are ": keep-alive".
  kSse,
  // application/x-ndjson: one v1.WatchResponse JSON per line, exactly the
  // messages the gRPC Watch sends (up to node::kWatchBatchRecords changes
  // and node::kWatchBatchBytes each), then
  // {"caughtUp":true} heartbeats.
  kNdjson,
};

class FeedStream;

// Thread-safe. `hub` and `gate` must outlive it.
class ChangeFeeds {
 public:
  ChangeFeeds(const node::Hub* hub, node::CallGate* gate,
              const ChangeFeedLimits& limits);
  // Stop()s and joins the watcher thread.
  ~ChangeFeeds();

  // A stream of every change after `after` for `client`, or
  // RESOURCE_EXHAUSTED (a limit; say which) or UNAVAILABLE (stopping).
  absl::StatusOr<std::shared_ptr<http::BodyStream>> Open(
      const std::string& client, uint64_t after, FeedFormat format);

  // Ends every stream (done) as soon as it has no read in progress, and
  // refuses new ones. Idempotent.
  void Stop();

  // Streams open (not cancelled, not ended); for tests.
  int open() const;

 private:
  friend class FeedStream;
  void Watch();

  const node::Hub* const hub_;
  node::CallGate* const gate_;
  const ChangeFeedLimits limits_;
  mutable absl::Mutex mu_;
  std::vector<std::weak_ptr<FeedStream>> streams_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_CHANGE_FEED_H_
