// The seams federation is written against. Replication logic never talks to
// gRPC, threads or sleeps directly: GrpcTransport (mutual TLS) is one
// Transport, a simulated network another; node::Clock gives time and
// Scheduler runs deferred work, so the same logic runs between real
// processes and among simulated hubs.
#ifndef CIVHUB_FEDERATION_TRANSPORT_H_
#define CIVHUB_FEDERATION_TRANSPORT_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "civhub/v1/federation.pb.h"
#include "crypto/keys.h"

namespace civhub::federation {

// Where to reach a hub and the key it must prove it holds.
struct PeerAddress {
  crypto::PublicKey key;
  std::string address;  // host:port of its federation service
};

template <typename T>
using Reply = std::function<void(absl::StatusOr<T>)>;

// Delivers federation calls to other hubs. Implementations authenticate the
// remote end: a call to a hub that does not prove it holds `to.key` fails
// with UNAUTHENTICATED; an unreachable hub gives UNAVAILABLE; a call not
// answered within `deadline` (the caller's, FederationOptions::deadlines)
// gives DEADLINE_EXCEEDED. Each `reply` runs exactly once, on a Scheduler
// thread, never inside the call — unless the scheduler is shutting down,
// when pending replies are dropped. Thread-safe.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void RequestLink(const PeerAddress& to, absl::Duration deadline,
                           v1::LinkRequest request,
                           Reply<v1::LinkResponse> reply) = 0;
  virtual void ConfirmLink(const PeerAddress& to, absl::Duration deadline,
                           v1::LinkConfirmation request,
                           Reply<v1::LinkAck> reply) = 0;
  virtual void RemoveLink(const PeerAddress& to, absl::Duration deadline,
                          v1::LinkRemoval request,
                          Reply<v1::LinkAck> reply) = 0;
  virtual void Sync(const PeerAddress& to, absl::Duration deadline,
                    v1::SyncRequest request, Reply<v1::SyncResponse> reply) = 0;
  virtual void Push(const PeerAddress& to, absl::Duration deadline,
                    v1::PushRequest request, Reply<v1::PushResponse> reply) = 0;
  virtual void Announce(const PeerAddress& to, absl::Duration deadline,
                        v1::AnnounceRequest request,
                        Reply<v1::AnnounceResponse> reply) = 0;
  virtual void Fetch(const PeerAddress& to, absl::Duration deadline,
                     v1::FetchRequest request,
                     Reply<v1::FetchResponse> reply) = 0;

  // Checks, within `deadline` and over a connection of its own (closed
  // afterwards), that a civhub federation port answers at `to.address` and
  // proves it holds `to.key`; no call reaches the hub there. `done` gets OK
  // or an error whose message names the address and what answers there:
  // UNAUTHENTICATED (another hub's key, or TLS without a hub certificate),
  // FAILED_PRECONDITION (not TLS: another kind of port), UNAVAILABLE
  // (nothing listens, unknown host), DEADLINE_EXCEEDED (no answer). Runs
  // `done` like a reply.
  virtual void Probe(const PeerAddress& to, absl::Duration deadline,
                     std::function<void(absl::Status)> done) = 0;

  // No peer uses `to` any more (its address was corrected, its link ended):
  // closes the connection kept for it, once calls in flight on it end, so
  // it is never dialed again. A later call to `to` opens a new one.
  virtual void Close(const PeerAddress& to) = 0;
};

// Runs work later. Real: a thread pool with a timer; simulated: an event
// queue on a virtual clock. Thread-safe.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `fn` once, no sooner than `delay` from now.
  virtual void RunAfter(absl::Duration delay, std::function<void()> fn) = 0;
  void Run(std::function<void()> fn) {
    RunAfter(absl::ZeroDuration(), std::move(fn));
  }
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_TRANSPORT_H_
