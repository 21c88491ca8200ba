// Federation: admin-approved links between hubs, and replication of every
// record of every trusted origin over them. A thin facade: it builds its
// parts, hands each call to the part it is for, and serves as each part's
// Host (what one part needs of another goes through it):
//
//   - PeerTable (peer_table.h): the saved peers and invites;
//   - Links (links.h): the link protocol (the Syncthing "pending device"
//     model): AddPeer approves this side and sends a signed link request;
//     the other hub keeps it pending until its admin approves; both ends
//     then publish a "~link.<peer>" record carrying the other's signature,
//     so every hub can tell which links exist;
//   - AntiEntropy (anti_entropy.h): per active link, Scuttlebutt-style
//     rounds: one Sync per interval sends the vector's digest and what
//     changed since the peer was last told; the peer answers with exactly
//     the records the caller lacks. An idle round costs a few dozen bytes;
//   - Spreading (spreading.h): between rounds, new records spread along
//     each origin's shortest-path tree: a hub pushes a record whole to its
//     children in the tree (tree.h) and announces it by (origin, sequence)
//     to its other peers; a peer fetches what it lacks from one announcer
//     at a time (the repair of a lost push), so each hub receives each body
//     about once however many of its peers have it.
//
// They share one SharedState (peer_state.h). Federation itself does start,
// trust, the system records (profile, link records), a push received and
// the admin views.
//
// All decisions are made here, against Transport, Scheduler and node::Clock;
// no threads, sockets or sleeps. Thread-safe.
#ifndef CIVHUB_FEDERATION_FEDERATION_H_
#define CIVHUB_FEDERATION_FEDERATION_H_

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/federation.pb.h"
#include "federation/anti_entropy.h"
#include "federation/links.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/peer_table.h"
#include "federation/spreading.h"
#include "federation/transport.h"
#include "federation/trust.h"
#include "federation/vector.h"
#include "node/hub.h"

namespace civhub::federation {

// The largest message a hub's federation port takes in (gRPC refuses a
// larger one with RESOURCE_EXHAUSTED before any handler, so before the
// caller's key is checked: what a stranger can make the hub buffer per
// call). The largest legitimate one is a Push of push_batch (64) records,
// each a body of at most crypto::kMaxBodyBytes (65,536) and a 64-byte
// signature: 65,610 bytes framed, 4,199,040 bytes (4.0 MiB) in all. A Sync
// with the caller's full vector takes 47 bytes per origin: 5 MiB holds
// 111,000 origins.
inline constexpr int kMaxInboundMessageBytes = 5 << 20;

class Federation : private Spreading::Host,
                   private AntiEntropy::Host,
                   private Links::Host {
 public:
  // `hub`, `trust` (installed as the hub's origin policy), `scheduler` and
  // `transport` must outlive the Federation.
  Federation(node::Hub* hub, TrustGraph* trust, Scheduler* scheduler,
             Transport* transport, FederationOptions options);
  ~Federation();

  // The address other hubs reach this hub at, once its federation port is
  // bound (it goes into the profile). Call before Start().
  void SetFederationAddress(const std::string& address) {
    options_.profile.set_federation_address(address);
  }

  // Loads the peer table, publishes this hub's profile if it changed,
  // computes trust and starts syncing with active peers (and asking those
  // it requested a link with). The store's read errors; DATA_LOSS naming
  // a corrupt peer table row.
  absl::Status Start();
  // Stops scheduling work; replies arriving later are ignored. Idempotent.
  void Stop();

  // --- Admin (civhubctl peer ..., hub block ..., network) ---

  // Approves this side of a link to the hub at `address` that must hold
  // `hub_id`, and sends the link request. First, unless `offline`, checks
  // within a few seconds (Transport::Probe) that a civhub federation port
  // holding `hub_id` answers there; if not, records nothing and `done` gets
  // the probe's error (what answers there instead). `done` gets the peer as
  // it stands after the first attempt (ACTIVE if the other side had
  // already approved, REQUESTED while waiting; a hub unreachable since is
  // retried in the background), or UNAUTHENTICATED if the hub at `address`
  // is not `hub_id`. A corrected address replaces the one given before,
  // whose connection is closed.
  void AddPeer(const std::string& address, const std::string& hub_id,
               bool offline, Reply<v1::Peer> done) {
    links_.AddPeer(address, hub_id, offline, std::move(done));
  }
  void AddPeer(const std::string& address, const std::string& hub_id,
               Reply<v1::Peer> done) {
    AddPeer(address, hub_id, /*offline=*/false, std::move(done));
  }
  // AddPeer with an invite token from the other hub (CreateInvite there):
  // the address and id come from the token (`address`, if not empty,
  // overrides its address) and its secret goes with every link request, so
  // that hub approves at once. A token that hub refuses (used, expired,
  // revoked) fails `done` with PERMISSION_DENIED naming why, and nothing is
  // recorded.
  void AddPeerWithInvite(const std::string& token, const std::string& address,
                         bool offline, Reply<v1::Peer> done) {
    links_.AddPeerWithInvite(token, address, offline, std::move(done));
  }

  // Issues an invite token valid for `valid_for` (0: kDefaultInviteValidity;
  // at most kMaxInviteValidity), carrying this hub's federation address,
  // key and a fresh secret; only the secret's SHA-256 is stored. The answer
  // holds the token. FAILED_PRECONDITION if this hub's federation address
  // is not one other hubs can dial (0.0.0.0: start civhubd with
  // --advertise); INVALID_ARGUMENT for a validity or a note (over 200
  // characters) out of bounds; the store's read-only or write error.
  absl::StatusOr<v1::Invite> CreateInvite(absl::Duration valid_for,
                                          const std::string& note);
  // Unexpired invites and those used in the last 30 days, oldest first
  // (others are deleted; a failed delete is logged). The store's read
  // error.
  absl::StatusOr<std::vector<v1::Invite>> ListInvites();
  // Deletes the invite `id` (Invite.id). INVALID_ARGUMENT if `id` is not
  // one (12 hex digits); NOT_FOUND if there is none; the store's errors.
  absl::StatusOr<v1::Invite> RevokeInvite(const std::string& id);

  // Every admin method below: INVALID_ARGUMENT if `hub_id` is not a hub id
  // (a typo fails its checksum); where it writes, the store's read-only
  // error (FAILED_PRECONDITION, node::IsStoreReadOnly) once a write failed,
  // or the error of the write that fails. Thread-safe.

  // Approves the pending link request of `hub_id`: the link becomes ACTIVE
  // here (saved, its link record published, trust recomputed, rounds
  // started) and the requester is told (best effort: it also learns on its
  // next retry). Returns the peer as it stands. NOT_FOUND if no request of
  // `hub_id` is pending (expired ones are dropped first).
  absl::StatusOr<v1::Peer> ApprovePeer(const std::string& hub_id) {
    return links_.ApprovePeer(hub_id);
  }
  // Refuses the pending link request of `hub_id`: saved as REJECTED, so the
  // requester's retries are answered REJECTED. NOT_FOUND if none is
  // pending.
  absl::StatusOr<v1::Peer> RejectPeer(const std::string& hub_id) {
    return links_.RejectPeer(hub_id);
  }
  // Ends the link with `hub_id` (in any state): saved as REMOVED; if it was
  // active, its link record is deleted and the peer told (best effort);
  // trust is recomputed.
  // Returns the peer as it stands. NOT_FOUND if there is no link, or it is
  // removed already. If saving the end fails, the link has ended in memory
  // all the same (until a restart) and the write's error is returned.
  absl::StatusOr<v1::Peer> RemovePeer(const std::string& hub_id) {
    return links_.RemovePeer(hub_id);
  }
  // Peers that are not pending (see ListPending), in key order, each with
  // its state, last error, progress while linking, forks it relayed and
  // how many records it is behind this hub. Only the store's read errors.
  absl::StatusOr<std::vector<v1::Peer>> ListPeers();
  // Link requests waiting for this hub's approval (expired ones dropped
  // first; a failure to delete one is logged), in key order. No errors.
  std::vector<v1::PendingPeer> ListPending();
  // Purges every record of `hub_id` from the store, refuses its records
  // from then on, drops those queued for pushing, and recomputes trust.
  // Returns the number of records purged. INVALID_ARGUMENT for this hub's
  // own id. Idempotent.
  absl::StatusOr<uint64_t> Block(const std::string& hub_id);
  // Accepts `hub_id`'s records again (they are fetched anew) and recomputes
  // trust. The store's write error.
  absl::Status Unblock(const std::string& hub_id);
  // Every hub this hub knows of (records held, a profile, or a link) with
  // what it knows of each, and the active links between them. Only the
  // store's read errors.
  absl::StatusOr<v1::Network> GetNetwork();
  // Peers in `state`. No errors.
  size_t CountPeers(v1::PeerState state);
  // Of each peer this hub has announced to (by hub id): announces dropped
  // at options.max_announce_queue since start (anti-entropy carried those
  // records), and the longest its announce queue has been. No errors.
  struct AnnounceCounters {
    uint64_t dropped = 0;
    size_t queue_high_water = 0;
  };
  std::map<std::string, AnnounceCounters> GetAnnounceCounters();
  // What the range pulls of a backlog did since start (Pull). No errors.
  Pull::Counters GetPullCounters() const {
    return anti_entropy_.pull_counters();
  }

  // --- Calls from other hubs; `caller` is the key the transport
  // authenticated. Each but the link calls first checks that `caller` has
  // an active link: PERMISSION_DENIED if not (the caller takes it as the
  // link's end), FAILED_PRECONDITION while this hub has yet to see the link
  // confirmed (the caller retries). ---

  // A link request (Links::HandleRequestLink: PENDING, ACCEPTED or
  // REJECTED). INVALID_ARGUMENT naming the field of a malformed, stale or
  // badly signed request; UNAUTHENTICATED if it names another hub than the
  // caller; PERMISSION_DENIED if the caller is blocked or its invite is
  // refused; RESOURCE_EXHAUSTED over the bounds on pending requests; the
  // store's write errors. `source`: the network the call came from
  // (SourceNetwork), "" if unknown.
  absl::StatusOr<v1::LinkResponse> HandleRequestLink(
      const crypto::PublicKey& caller, const v1::LinkRequest& request,
      absl::string_view source = "");
  // The caller approved this hub's request. PERMISSION_DENIED if this hub
  // did not ask; INVALID_ARGUMENT for a bad link signature; the store's
  // write errors.
  absl::StatusOr<v1::LinkAck> HandleConfirmLink(
      const crypto::PublicKey& caller, const v1::LinkConfirmation& request);
  // The caller ended the link; ended here too. The link check's errors;
  // the error of saving the end (it has ended in memory all the same).
  absl::StatusOr<v1::LinkAck> HandleRemoveLink(const crypto::PublicKey& caller,
                                               const v1::LinkRemoval& request);
  // AntiEntropy::HandleSync: the records the caller lacks, or
  // need_full_vector. The link check's errors; the store's read errors.
  absl::StatusOr<v1::SyncResponse> HandleSync(const crypto::PublicKey& caller,
                                              const v1::SyncRequest& request);
  // Applies the records the caller pushed (refusals are noted on the
  // peer, not returned) and offers the new ones to other peers; `applied`
  // counts those stored. The link check's errors; the store's read-only
  // error (the pusher keeps the records and sends them again later).
  absl::StatusOr<v1::PushResponse> HandlePush(const crypto::PublicKey& caller,
                                              const v1::PushRequest& request);
  // Spreading::HandleAnnounce: fetches what this hub lacks. The link
  // check's errors; INVALID_ARGUMENT naming a malformed reference or too
  // many; the store's read errors.
  absl::StatusOr<v1::AnnounceResponse> HandleAnnounce(
      const crypto::PublicKey& caller, const v1::AnnounceRequest& request);
  // Spreading::HandleFetch: the records named that this hub holds. The
  // link check's errors; INVALID_ARGUMENT naming a malformed reference or
  // too many; the store's read errors.
  absl::StatusOr<v1::FetchResponse> HandleFetch(
      const crypto::PublicKey& caller, const v1::FetchRequest& request);

  // Called for every record this hub publishes (Hub's publish observer):
  // pushed to the peers; the first one also lets the system records be
  // published (see SharedState::system_records_pending). No errors.
  void OnPublished(const v1::Record& record);

 private:
  // Spreading::Host.
  // AntiEntropy's ApplyFromPeer, then AdvanceForNew of the newly stored and
  // RebuildTrust if links changed.
  Applied ApplyFetched(
      const std::string& peer,
      const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records)
      override;
  void NoteCallError(const std::string& peer, absl::string_view what,
                     const absl::Status& status) override {
    shared_.NoteCallError(peer, what, status);
  }

  // AntiEntropy::Host.
  absl::Status RequireActiveLocked(const crypto::PublicKey& caller) override {
    return links_.RequireActiveLocked(caller);
  }
  void EndLinkByPeer(const std::string& peer,
                     const std::string& reason) override;

  // Links::Host (and AntiEntropy::Host: RebuildTrust, PublishSystemRecords).
  void StartRounds(const std::string& peer) override {
    anti_entropy_.ScheduleRound(peer, absl::ZeroDuration());
  }
  // Publishes the profile and the link records of active peers, unless they
  // must wait (see SharedState::system_records_pending).
  void PublishSystemRecords() override;
  // Recomputes trust from the peer table and the link records stored.
  // Serialized (rebuild_mu_): the trust installed last is computed from the
  // store as it was last, never from an older read that finished later.
  void RebuildTrust() override ABSL_LOCKS_EXCLUDED(rebuild_mu_, shared_.mu);
  void Relay(const std::vector<v1::SignedRecord>& records,
             const std::vector<RecordKey>& keys,
             const std::string& from) override {
    // Records a round carried came off the tree: announced (see Relay).
    spreading_.Relay(records, keys, from, /*on_tree=*/false);
  }

  node::Hub* const hub_;
  node::Store* const store_;
  TrustGraph* const trust_;
  Scheduler* const scheduler_;
  Transport* const transport_;
  FederationOptions options_;  // Only changed before Start().
  const std::string self_;     // Raw key.

  absl::Mutex rebuild_mu_ ABSL_ACQUIRED_BEFORE(shared_.mu);
  // The mutex, the peer table, each peer's runtime state, jitter.
  SharedState shared_;
  // Push, announce and fetch.
  Spreading spreading_;
  // Rounds, Sync, applying what peers send.
  AntiEntropy anti_entropy_;
  // Link requests, approval, confirmation, removal.
  Links links_;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_FEDERATION_H_
