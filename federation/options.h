// What a Federation is told at construction: this hub's profile, timing,
// bounds and each call's deadline. Shared by Federation and its parts.
#ifndef CIVHUB_FEDERATION_OPTIONS_H_
#define CIVHUB_FEDERATION_OPTIONS_H_

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "civhub/v1/record.pb.h"

namespace civhub::federation {

struct FederationOptions {
  // This hub's profile, published as its "~hub" record.
  v1::HubProfile profile;
  // Time between anti-entropy rounds with each peer (jittered ±20%).
  absl::Duration sync_interval = absl::Seconds(5);
  // Time between repeats of an unanswered link request.
  absl::Duration link_retry_interval = absl::Seconds(10);
  // Longest wait after failures before trying a peer again.
  absl::Duration max_backoff = absl::Minutes(1);
  // Link requests waiting for approval: at most this many, for this long;
  // at most `max_pending_per_source` of them from one network (so one host
  // minting keys cannot fill the list).
  size_t max_pending = 64;
  size_t max_pending_per_source = 8;
  absl::Duration pending_expiry = absl::Hours(24 * 7);
  // A hub may create a new pending request at most this often.
  absl::Duration request_interval = absl::Seconds(10);
  // Flow control for one Sync reply.
  uint32_t sync_max_records = 1000;
  uint32_t sync_max_bytes = 4 << 20;
  // Catching up on a backlog (a peer holds more than sync_max_records of
  // an origin beyond this hub's watermark): range pulls of sync_max_records
  // sequences, at most this many asked of each peer and not yet applied.
  // 4 keeps the next replies on the way while one is applied (2 would
  // leave the pipe empty whenever a reply comes back late), for at most 4
  // replies (sync_max_bytes each, about 430 kB for 1,000 records) per peer.
  size_t pull_depth = 4;
  // Records per Push and per Fetch call; references per Announce call.
  // A Push of push_batch records must fit kMaxInboundMessageBytes.
  size_t push_batch = 64;
  size_t announce_batch = 1024;
  // Announced records waiting to be fetched, at most; announces beyond it
  // are ignored (anti-entropy still delivers those records).
  size_t max_wanted = 100000;
  // References waiting to be announced to one peer, at most. Announces only
  // make records arrive sooner than the next anti-entropy round, which
  // carries whatever was not announced: past the bound they are dropped and
  // counted (Federation::AnnounceCounters), not queued. 4,096 is four
  // Announce calls: far more than a burst of publishes between two rounds
  // (a hub pulling a backlog does not announce it, see Spreading::Relay),
  // and about 400 kB per peer at worst (a 32-byte origin on the heap per
  // reference).
  size_t max_announce_queue = 4096;
  // Seeds jitter and link ids; 0 picks a random seed.
  uint64_t seed = 0;
  // How long each call to another hub may take before it fails with
  // DEADLINE_EXCEEDED (Transport; a simulated network fails a lost message
  // after its own SimOptions::timeout instead).
  struct Deadlines {
    absl::Duration link = absl::Seconds(10);  // Request, confirm, remove.
    absl::Duration sync = absl::Seconds(60);
    absl::Duration push = absl::Seconds(30);
    absl::Duration announce = absl::Seconds(10);
    absl::Duration fetch = absl::Seconds(30);
    // `peer add`'s check that the address answers as a federation port.
    absl::Duration probe = absl::Seconds(5);
  };
  Deadlines deadlines;
  // Publish the profile and link records. Only simulations of an
  // established network turn this off (see TrustGraph::AssumeTrusted).
  bool publish_system_records = true;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_OPTIONS_H_
