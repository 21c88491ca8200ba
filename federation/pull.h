// Pull: the part of AntiEntropy that catches a hub up on a backlog — a new
// hub linked to hubs holding a million records, or one back after a long
// time away. A round carries one reply of sync_max_records from one peer
// and the next waits for it to be applied; a pull asks for ranges of an
// origin's sequences instead (SyncRequest.range), several per peer
// (options.pull_depth) and from every peer that holds them, and applies
// each origin's ranges in order, one reply at a time, while the next ones
// are on the way: the network and the peers' reads overlap this hub's
// verify and apply.
//
// A pull of an origin starts when a round's reply says more is waiting and
// an active peer is known (PeerRuntime::holds) to hold more than a round's
// worth beyond this hub's watermark; it runs to the highest sequence a peer
// holds (its target, raised by later rounds). Meanwhile the rounds state
// the origin as held through the target (ClaimLocked), so they do not
// bring the same records again. A range a peer fails, or answers without
// records, is asked of another peer holding it; when none is left the
// origin's pull ends and the rounds carry on from the watermark (a later
// backlog starts a new pull). Watermarks advance over each range as it is
// applied, in order, so they stay a prefix of what the hub holds.
//
// Thread-safety: the state is SharedState's, under its mutex `mu`, plus its
// own fields under the same mutex. Methods marked
// ABSL_EXCLUSIVE_LOCKS_REQUIRED need it held; the others take it and need
// it not held. No lock is held across a Transport call's reply, ingest, a
// store write or a Host call; one reply is applied at a time.
#ifndef CIVHUB_FEDERATION_PULL_H_
#define CIVHUB_FEDERATION_PULL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "civhub/v1/federation.pb.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/transport.h"
#include "federation/trust.h"
#include "federation/vector.h"
#include "node/storage/store.h"

namespace civhub::federation {

class Pull {
 public:
  // What Pull asks of AntiEntropy. Called without the mutex held.
  class Host {
   public:
    virtual ~Host() = default;
    // Ingests `records` received from `peer` (AntiEntropy::ApplyFromPeer).
    virtual Applied ApplyPulled(
        const std::string& peer,
        const google::protobuf::RepeatedPtrField<v1::SignedRecord>&
            records) = 0;
    // The pulled records changed links: trust is recomputed.
    virtual void RebuildTrust() = 0;
    // Offers `records` newly stored from `from` to the other peers.
    virtual void Relay(const std::vector<v1::SignedRecord>& records,
                       const std::vector<RecordKey>& keys,
                       const std::string& from) = 0;
  };

  // What a pull did since start, for tests and the bench.
  struct Counters {
    uint64_t ranges_asked = 0;
    uint64_t ranges_failed = 0;   // Asked again elsewhere, or the pull ended.
    size_t most_outstanding = 0;  // Asked and not applied, all peers.
    std::map<std::string, uint64_t> asked_of;  // Ranges, by peer (raw key).
  };

  // Every pointer must outlive the Pull. `self` is this hub's raw key.
  Pull(Host* host, SharedState* shared, node::Store* store,
       const TrustGraph* trust, Transport* transport,
       const FederationOptions* options, std::string self)
      : host_(host),
        shared_(shared),
        store_(store),
        trust_(trust),
        transport_(transport),
        options_(options),
        self_(std::move(self)) {}

  Pull(const Pull&) = delete;
  Pull& operator=(const Pull&) = delete;

  // A round with `peer` succeeded: it may be asked for ranges again after
  // one failed. If its reply said more is waiting (`more`): starts a pull of
  // each trusted origin an active peer holds more than options.sync_max_records
  // of beyond this hub's watermark (or raises a running pull's target), and
  // asks for what each peer's window takes. A store read error is logged
  // (the rounds carry on).
  void Consider(const std::string& peer, bool more)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // Raises `vector`'s entries of origins being pulled to their targets: what
  // a round states, so the peer does not send those records again.
  void ClaimLocked(Vector& vector) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);

  Counters counters() const ABSL_LOCKS_EXCLUDED(shared_->mu);

 private:
  // A range of one origin's sequences: (after, through], `after` being its
  // key in OriginPull::ranges.
  struct Range {
    uint64_t through = 0;
    std::string peer;                 // Asked of; "" while waiting to be asked.
    std::set<std::string> failed_at;  // Peers that failed it or lacked it.
    std::optional<v1::SyncResponse> reply;  // Arrived, waiting its turn.
  };
  struct OriginPull {
    uint64_t id = 0;       // Tells this pull's replies from an ended one's.
    uint64_t applied = 0;  // Applied (watermark advanced) through here.
    uint64_t next = 0;     // Ranges made up to here.
    uint64_t target = 0;
    std::map<uint64_t, Range> ranges;  // By `after`: not applied yet.
  };
  // A range taken to be applied.
  struct Taken {
    std::string origin;
    uint64_t id = 0;
    uint64_t after = 0;
    uint64_t through = 0;
    std::string peer;
    v1::SyncResponse reply;
  };

  // Asks each active peer for ranges until its window is full.
  void FillLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // Asks `peer` for one range it holds (waiting ones first); false if none.
  bool AskOneLocked(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void AskLocked(const std::string& peer, const std::string& origin,
                 const OriginPull& pull, uint64_t after, Range& range)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void OnReply(const std::string& peer, const std::string& origin, uint64_t id,
               uint64_t after, absl::StatusOr<v1::SyncResponse> response)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Whether an active peer not yet failed at it holds more of `range`.
  bool AnyHolderLocked(const std::string& origin, uint64_t after,
                       const Range& range)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // Ends the pull of `origin`: the rounds carry on from its watermark.
  void EndLocked(const std::string& origin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // Applies arrived ranges in order, until none is next in line.
  void Drain() ABSL_LOCKS_EXCLUDED(shared_->mu);
  bool TakeNextLocked(Taken* taken) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void Release(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);

  Host* const host_;
  SharedState* const shared_;
  node::Store* const store_;
  const TrustGraph* const trust_;
  Transport* const transport_;
  const FederationOptions* const options_;
  const std::string self_;  // Raw key.
  std::map<std::string, OriginPull> pulls_ ABSL_GUARDED_BY(shared_->mu);
  // Per peer: ranges asked of it and not applied yet.
  std::map<std::string, size_t> outstanding_ ABSL_GUARDED_BY(shared_->mu);
  // Peers whose last range call failed: not asked again until one of their
  // rounds succeeds (a peer that is down would fail every range once).
  std::set<std::string> failing_ ABSL_GUARDED_BY(shared_->mu);
  size_t total_outstanding_ ABSL_GUARDED_BY(shared_->mu) = 0;
  bool applying_ ABSL_GUARDED_BY(shared_->mu) = false;
  uint64_t last_id_ ABSL_GUARDED_BY(shared_->mu) = 0;
  Counters counters_ ABSL_GUARDED_BY(shared_->mu);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_PULL_H_
