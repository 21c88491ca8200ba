// The state Federation's parts (PeerTable, Links, AntiEntropy, Spreading)
// share, under one mutex: what the hub knows about each peer while running,
// by the part that owns each field; the peer table; the jitter source; the
// pending-system-records flag; the bookkeeping of each peer's errors; and
// the outcome of applying records a peer sent. Internal to federation/.
#ifndef CIVHUB_FEDERATION_PEER_STATE_H_
#define CIVHUB_FEDERATION_PEER_STATE_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/federation.pb.h"
#include "federation/peer_table.h"
#include "federation/vector.h"
#include "node/base/clock.h"
#include "node/storage/store.h"

namespace civhub::federation {

// (origin, sequence) of one record.
using RecordKey = std::pair<std::string, uint64_t>;

// What the hub knows about one peer while running (not persisted), by the
// part that owns each field. One lock for all of it (SharedState::mu, like
// the peer table): a part reads another's fields only under it, and none is
// held across ingest, a publish or a Transport call.
struct PeerRuntime {
  // --- The link protocol (Links, links.cc) ---
  bool link_request_running = false;
  // The peer answered a link request with PENDING: its admin has yet to
  // approve (shown as progress, not as an error).
  bool link_pending_seen = false;
  // The peer refused a call because it has not seen the link confirmed
  // yet (FAILED_PRECONDITION): a step of linking, not a fault.
  bool confirming = false;
  // Bumped when the peer's link changes, so stale timers stop.
  uint64_t generation = 0;

  // --- Anti-entropy rounds (AntiEntropy, anti_entropy.cc) ---
  Vector told;  // What this hub last told the peer about its vector.
  bool told_known = false;
  Vector view;  // What the peer last told this hub about its vector.
  bool view_known = false;
  // What the peer is known to hold, from every source: its statements,
  // what it sent this hub, what this hub sent it. For "behind" and to
  // skip pushes and announces it does not need; never used for the
  // digest mirror.
  Vector holds;
  bool round_running = false;
  uint64_t round_generation = 0;  // Of the round running.
  // A round of the current generation waits for the running one's reply.
  bool round_after_running = false;
  absl::Duration backoff = absl::ZeroDuration();
  // The peer answered a range pull with need_full_vector: it predates
  // ranges and is not asked for one again (Pull).
  bool no_ranges = false;
  // Origins the peer relayed fork evidence for (shown in `peer list`).
  std::set<std::string> forked_origins;

  // --- Spreading (Spreading, spreading.cc: push, announce, fetch) ---
  std::deque<v1::SignedRecord> push_queue;
  bool push_in_flight = false;
  // To announce to the peer: at most options.max_announce_queue.
  std::deque<RecordKey> announce_queue;
  // Announces dropped at the bound (anti-entropy carries those records),
  // and the longest the queue has been. Shown on /metrics.
  uint64_t announces_dropped = 0;
  size_t announce_queue_high_water = 0;
  std::vector<RecordKey> announce_retry;  // A failed batch, sent again.
  bool announce_in_flight = false;
  std::deque<RecordKey> fetch_queue;  // To fetch from the peer.
  bool fetch_in_flight = false;
  // Smoothed round-trip time of calls to the peer (rounds and fetches);
  // zero until measured. Sets how long a fetch waits before hedging.
  absl::Duration rtt = absl::ZeroDuration();

  // --- The link record (Federation::PublishSystemRecords) ---
  // The one-way latency this hub's link record for the peer claims, and
  // when it was last set (see LinkLatencyDue); zero: none.
  absl::Duration published_latency = absl::ZeroDuration();
  absl::Time latency_published_at = absl::InfinitePast();
};

// Whether the link record for the peer of `rt` should claim a new latency
// at `now`: measured (rtt / 2) and never claimed, or off the claim by more
// than a quarter with the last claim an hour old or more. Each republish
// of a link record spreads to every hub (and moves trees): jitter must not
// republish, nor a drifting link more than hourly.
bool LinkLatencyDue(const PeerRuntime& rt, absl::Time now);

// (origin, sequence) of a record, read from its body without verifying it.
// Only for records ingest did not verify: this hub's own (from the publish
// path) and those whose signature failed — which still name the origin and
// sequence the peer vouched for, so they hold that origin's watermark back
// and settle the fetch that asked for them. ("", 0) for a body that does
// not parse.
RecordKey ReadKey(const v1::SignedRecord& record);

// Folds a measured round trip to a peer into its smoothed rtt.
inline void NoteRtt(PeerRuntime& rt, absl::Duration sample) {
  rt.rtt = rt.rtt == absl::ZeroDuration() ? sample : (rt.rtt * 7 + sample) / 8;
}

// Outcome of applying records received from one peer.
struct Applied {
  // (origin, sequence) of each record given, in order: as ingest verified
  // it, or read from the body for a record whose signature failed.
  std::vector<RecordKey> keys;
  std::vector<v1::SignedRecord> relay;  // Newly stored: offer to others.
  std::vector<RecordKey> relay_keys;    // (origin, sequence) of each.
  std::map<std::string, uint64_t> first_failure;  // origin -> sequence
  size_t refused = 0;
  std::string first_error;
  bool links_changed = false;
};

// What every part of Federation shares: one mutex and the state under it,
// and the bookkeeping of each peer's errors. Built by Federation, given by
// pointer to each part.
//
// Thread-safety: the fields are guarded by `mu` (the table too: it was
// given `mu`); methods ending in Locked need it held, the others take it
// and need it not held.
class SharedState {
 public:
  // `store` and `clock` must outlive the state; `self` is this hub's raw
  // key; `seed` seeds jitter and link ids (0 picks a random seed).
  SharedState(node::Store* store, const node::Clock* clock,
              const std::string& self, uint64_t seed)
      : table(store, clock, self, &mu),
        clock_(clock),
        rng_(seed != 0 ? seed : std::random_device()()) {}

  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;

  absl::Mutex mu;
  // Federation stopped: no part schedules work any more.
  bool stopped ABSL_GUARDED_BY(mu) = false;
  // The peers and invites, saved (guarded by mu; Links decides, the table
  // keeps the rows).
  PeerTable table;
  std::map<std::string, PeerRuntime> runtime ABSL_GUARDED_BY(mu);
  // True while this hub has not published its profile: it may have lost
  // its store, or be part way through restoring a backup (`civhubctl
  // import`), and publishing now would take sequences its peers or the rest
  // of the backup already hold (forking itself). Cleared after a first sync
  // with a peer (which returns the hub's old records) or the admin's first
  // publish.
  bool system_records_pending ABSL_GUARDED_BY(mu) = false;

  // `d` scaled by a random factor in [0.8, 1.2).
  absl::Duration JitterLocked(absl::Duration d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The next value of the random source jitter draws from (link ids).
  uint64_t RandomLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return rng_(); }

  // A call to `peer` failed with `error` (nothing if `peer` has no row).
  // Logged when it first happens, when it changes and at the 10th, 100th,
  // ... repeat; otherwise counted (last_error_count), so a peer that stays
  // down does not flood the log. Shown in `peer list`, not saved.
  void NoteError(const std::string& peer, const std::string& error)
      ABSL_LOCKS_EXCLUDED(mu);
  // The same for `status` of the call named `what` ("sync", "push", ...);
  // FAILED_PRECONDITION (the peer has not seen the link confirmed yet) is a
  // step of linking, not an error: it marks the peer `confirming`.
  void NoteCallError(const std::string& peer, absl::string_view what,
                     const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu);
  // NoteError on `record` itself.
  void SetErrorLocked(storage::PeerRecord& record, const std::string& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // A call to the peer succeeded: clears the error, logging the recovery.
  void ClearErrorLocked(storage::PeerRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // `record` as the admin sees it (`peer list`): its state, last error,
  // the forks it relayed and the step of linking it is at.
  v1::Peer PeerViewLocked(const storage::PeerRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

 private:
  const node::Clock* const clock_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu);
};

// The id of the "~link.<peer>" record this hub publishes for its link with
// `peer` (raw key).
std::string LinkRecordId(const std::string& peer);

// `micros` since the epoch as a protobuf Timestamp.
google::protobuf::Timestamp ToTimestamp(int64_t micros);

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_PEER_STATE_H_
