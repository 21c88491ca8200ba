// The state Federation's parts share, under Federation's one mutex: what
// the hub knows about each peer while running, by the part that owns each
// field, and the outcome of applying records a peer sent. Internal to
// federation/ (federation.h, peer_table.h, spreading.h).
#ifndef CIVHUB_FEDERATION_PEER_STATE_H_
#define CIVHUB_FEDERATION_PEER_STATE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "civhub/v1/federation.pb.h"
#include "federation/vector.h"

namespace civhub::federation {

// (origin, sequence) of one record.
using RecordKey = std::pair<std::string, uint64_t>;

// What the hub knows about one peer while running (not persisted), by the
// part that owns each field. One lock for all of it (Federation::mu_, like the
// peer table): a part reads another's fields only under it, and none is held
// across ingest, a publish or a Transport call.
struct PeerRuntime {
  // --- The peer table (links.cc) ---
  bool link_request_running = false;
  // The peer answered a link request with PENDING: its admin has yet to
  // approve (shown as progress, not as an error).
  bool link_pending_seen = false;
  // The peer refused a call because it has not seen the link confirmed
  // yet (FAILED_PRECONDITION): a step of linking, not a fault.
  bool confirming = false;
  // Bumped when the peer's link changes, so stale timers stop.
  uint64_t generation = 0;

  // --- Anti-entropy rounds (replication.cc, serving.cc's HandleSync) ---
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
  // Origins the peer relayed fork evidence for (shown in `peer list`).
  std::set<std::string> forked_origins;

  // --- Spreading (spreading.cc: push, announce, fetch) ---
  std::deque<v1::SignedRecord> push_queue;
  bool push_in_flight = false;
  std::deque<RecordKey> announce_queue;   // To announce to the peer.
  std::vector<RecordKey> announce_retry;  // A failed batch, sent again.
  bool announce_in_flight = false;
  std::deque<RecordKey> fetch_queue;  // To fetch from the peer.
  bool fetch_in_flight = false;
  // Smoothed round-trip time of calls to the peer (rounds and fetches);
  // zero until measured. Sets how long a fetch waits before hedging.
  absl::Duration rtt = absl::ZeroDuration();
};

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

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_PEER_STATE_H_
