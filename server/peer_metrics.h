// Per-peer federation figures for /metrics, counted by a Transport
// decorator: civhubd hands Federation a CountingTransport around its
// GrpcTransport, and every call this hub makes to a peer is counted under
// the peer's hub id before and after the real transport carries it:
//   civhub_peer_sync_rounds_started_total{peer}    Sync calls sent (one per
//     anti-entropy round);
//   civhub_peer_sync_rounds_completed_total{peer}  Sync replies received;
//   civhub_peer_calls_total{peer,call}  every call, by kind (sync, push,
//     announce, fetch, request_link, confirm_link, remove_link);
//   civhub_peer_sent_bytes_total{peer}, civhub_peer_received_bytes_total
//     {peer}  the serialized sizes of the requests sent and the replies
//     received (protobuf bytes, without gRPC's framing and TLS);
//   civhub_peer_errors_total{peer,kind}  calls that failed: unavailable,
//     deadline, refused (permission_denied, unauthenticated,
//     failed_precondition), overloaded (resource_exhausted), other.
// Only calls this hub makes are counted (what it pulls shows as received
// bytes; what peers pull from it, on their own /metrics). Calls go only to
// hubs an admin named (peer add, approve): Probe, the check of a typed
// address before anything is recorded, is passed on uncounted, so a typo
// never makes a series. A peer's series go when Close says no peer uses
// its address any more (its link ended, or its address was replaced):
// counters start again from 0 if it is linked again.
//
// Thread-safe, as Transport is.
#ifndef CIVHUB_SERVER_PEER_METRICS_H_
#define CIVHUB_SERVER_PEER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "federation/transport.h"
#include "node/base/metrics.h"

namespace civhub::server {

// The kinds of calls counted, in civhub_peer_calls_total's `call` label.
enum class PeerCall {
  kSync,
  kPush,
  kAnnounce,
  kFetch,
  kRequestLink,
  kConfirmLink,
  kRemoveLink,
};
inline constexpr int kPeerCallKinds = 7;

// The `kind` label of civhub_peer_errors_total for a failed call's status.
std::string PeerErrorKind(const absl::Status& status);

class CountingTransport : public federation::Transport {
 public:
  // `inner` carries the calls; it must outlive this transport.
  explicit CountingTransport(federation::Transport* inner) : inner_(inner) {}

  void RequestLink(const federation::PeerAddress& to, absl::Duration deadline,
                   v1::LinkRequest request,
                   federation::Reply<v1::LinkResponse> reply) override;
  void ConfirmLink(const federation::PeerAddress& to, absl::Duration deadline,
                   v1::LinkConfirmation request,
                   federation::Reply<v1::LinkAck> reply) override;
  void RemoveLink(const federation::PeerAddress& to, absl::Duration deadline,
                  v1::LinkRemoval request,
                  federation::Reply<v1::LinkAck> reply) override;
  void Sync(const federation::PeerAddress& to, absl::Duration deadline,
            v1::SyncRequest request,
            federation::Reply<v1::SyncResponse> reply) override;
  void Push(const federation::PeerAddress& to, absl::Duration deadline,
            v1::PushRequest request,
            federation::Reply<v1::PushResponse> reply) override;
  void Announce(const federation::PeerAddress& to, absl::Duration deadline,
                v1::AnnounceRequest request,
                federation::Reply<v1::AnnounceResponse> reply) override;
  void Fetch(const federation::PeerAddress& to, absl::Duration deadline,
             v1::FetchRequest request,
             federation::Reply<v1::FetchResponse> reply) override;
  // Not counted (see above).
  void Probe(const federation::PeerAddress& to, absl::Duration deadline,
             std::function<void(absl::Status)> done) override {
    inner_->Probe(to, deadline, std::move(done));
  }
  // Drops `to.key`'s series, then closes.
  void Close(const federation::PeerAddress& to) override;

  // The families above, one series set per peer counted since its last
  // Close (the families are there, empty, before any call).
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  static constexpr int kErrorKinds = 5;
  struct Counters {
    std::atomic<uint64_t> sync_started{0};
    std::atomic<uint64_t> sync_completed{0};
    std::atomic<uint64_t> sent_bytes{0};
    std::atomic<uint64_t> received_bytes{0};
    std::array<std::atomic<uint64_t>, kPeerCallKinds> calls{};
    std::array<std::atomic<uint64_t>, kErrorKinds> errors{};
  };

  // The peer's counters, made on its first call. Shared with the replies
  // in flight: a reply after Close counts into counters no longer shown.
  std::shared_ptr<Counters> For(const federation::PeerAddress& to);
  // Counts the call and wraps `reply` to count its answer.
  template <typename Request, typename Response>
  federation::Reply<Response> Count(const federation::PeerAddress& to,
                                    PeerCall call, const Request& request,
                                    federation::Reply<Response> reply);

  federation::Transport* const inner_;
  mutable absl::Mutex mu_;
  // By hub id.
  std::map<std::string, std::shared_ptr<Counters>> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_PEER_METRICS_H_
