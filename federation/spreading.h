// Spreading: the part of Federation that carries new records between
// anti-entropy rounds, along each origin's shortest-path tree, repaired by
// announce-then-fetch. A hub pushes a record whole to its children in the
// tree of the record's origin (LinkGraph, tree.h: the same tree on every
// hub that knows the same links) and announces it by (origin, sequence)
// to its other peers; a hub fetches what it lacks from one announcer at a
// time, asking the next when that one fails or is slow (hedging after
// three of its round trips), so each hub receives each body about once
// however many of its peers have it. A record thus travels the shortest
// path at one one-way latency a hop, instead of announce, fetch and reply
// (three) a hop.
//
// An announce from a peer that is not this hub's parent in the origin's
// tree, while the parent is active, is acted on only after a short grace
// (TreeGraceLocked): the parent's push should arrive first, and fetching
// at once would make that push a duplicate body. Past the grace the push
// is taken as lost and the record fetched: that is the repair path. When
// the tree is unknown (no link records yet, or the origin not among them)
// the hub pushes its own records to every peer and announces the others',
// fetching at once, as before trees.
//
// It owns the records wanted from announcers (one Wanted per record) and,
// in each peer's PeerRuntime, the push, announce and fetch queues and their
// in-flight flags; it reads the peer table (which peers are active, their
// addresses) and each peer's `holds` and `rtt`. Records a fetch returns are
// applied by its Host (Federation: ingest, watermarks, trust).
//
// Thread-safety: the state is SharedState's, under its mutex `mu`. Methods
// marked ABSL_EXCLUSIVE_LOCKS_REQUIRED need it held; the others take it and
// need it not held. No lock is held across a Transport call's reply,
// ingest or a store write.
#ifndef CIVHUB_FEDERATION_SPREADING_H_
#define CIVHUB_FEDERATION_SPREADING_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "civhub/v1/federation.pb.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/peer_table.h"
#include "federation/transport.h"
#include "federation/tree.h"
#include "federation/trust.h"
#include "node/base/clock.h"
#include "node/storage/store.h"

namespace civhub::federation {

// A record peers announced that this hub does not hold yet.
struct Wanted {
  // Peers that announced it and were not asked in vain, in order.
  std::vector<std::string> announcers;
  std::set<std::string> asking;  // Fetches queued or in flight.
  bool stored = false;           // Arrived; forgotten once `asking` ends.
  // Announced by a peer other than the tree parent: waiting out the grace
  // for the parent's push before fetching.
  bool awaiting_parent = false;
};

class Spreading {
 public:
  // What Spreading asks of the rest of Federation.
  class Host {
   public:
    virtual ~Host() = default;
    // Applies `records` fetched from `peer` (ingest, watermarks of the newly
    // stored, trust if links changed) and says what happened. Called without
    // the mutex held.
    virtual Applied ApplyFetched(
        const std::string& peer,
        const google::protobuf::RepeatedPtrField<v1::SignedRecord>&
            records) = 0;
    // A call named `what` ("push", "announce", "fetch") to `peer` failed
    // with `status` (logged, shown in `peer list`). Called without the
    // mutex held.
    virtual void NoteCallError(const std::string& peer, absl::string_view what,
                               const absl::Status& status) = 0;
  };

  // Every pointer must outlive the Spreading. `self` is this hub's raw key.
  // `trust` gives the links the trees are computed over; nullptr: no trees
  // (own records pushed, others announced).
  Spreading(Host* host, SharedState* shared, node::Store* store,
            const node::Clock* clock, Scheduler* scheduler,
            Transport* transport, const FederationOptions* options,
            std::string self, const TrustGraph* trust = nullptr)
      : host_(host),
        shared_(shared),
        store_(store),
        clock_(clock),
        scheduler_(scheduler),
        transport_(transport),
        options_(options),
        self_(std::move(self)),
        trust_(trust) {}

  Spreading(const Spreading&) = delete;
  Spreading& operator=(const Spreading&) = delete;

  // Offers `records` (whose (origin, sequence) are `keys`) to every active
  // peer but `except` that is not known to hold them and did not announce
  // them: if `on_tree` (published here, or pushed here), pushed to this
  // hub's children in the origin's tree and announced to the other peers;
  // else (fetched, or carried by a round: the repair path) announced to
  // every peer, children too — they may have fetched the record from
  // others meanwhile, and a push would be their second body, while one
  // that has not fetches it from this hub, its parent, at once. Without a
  // tree: this hub's own pushed, others announced — unless the peer is known to
  // lack more than options.sync_max_records of that origin before the record
  // (its rounds carry it; this hub's own are pushed all the same), and at most
  // options.max_announce_queue announces waiting per peer (the rest
  // dropped, counted: rounds carry them too). Marks them stored for the
  // fetches waiting on them. Nothing once stopped.
  void Relay(const std::vector<v1::SignedRecord>& records,
             const std::vector<RecordKey>& keys, const std::string& except,
             bool on_tree = true) ABSL_LOCKS_EXCLUDED(shared_->mu);

  // `peer` (active: the caller checked) announced `request`'s records:
  // queues fetches of those this hub lacks, one announcer at a time, at
  // most options.max_wanted records waiting (announces beyond are ignored);
  // after a grace if `peer` is not this hub's parent in the origin's tree
  // and the parent is active (its push should come first).
  // INVALID_ARGUMENT for more than options.announce_batch references or a
  // malformed one; the store's read errors. Fetches nothing if the store
  // cannot be written.
  absl::StatusOr<v1::AnnounceResponse> HandleAnnounce(
      const std::string& peer, const v1::AnnounceRequest& request)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // The records `request` names that this hub holds, in order, within
  // options.sync_max_bytes (at least one). INVALID_ARGUMENT for more than
  // options.push_batch references or a malformed one; the store's read
  // errors.
  absl::StatusOr<v1::FetchResponse> HandleFetch(const v1::FetchRequest& request)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // Drops the records of `origin` queued for pushing to any peer (it was
  // blocked).
  void DropPushesOfLocked(const std::string& origin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);

 private:
  // This hub's place in the tree of `origin`, if known (see Relay).
  std::optional<LinkGraph::Place> PlaceOf(const std::string& origin) const;
  // How long an announce from a peer other than the tree parent `parent`
  // waits for the parent's push: a quarter of its round trip (about half
  // its one-way latency: the jitter of a push against an announce that,
  // by the triangle inequality, cannot arrive before it) within
  // [5 ms, 250 ms]; 50 ms while unmeasured.
  absl::Duration TreeGraceLocked(const std::string& parent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // The grace after announces of `keys` ended: fetches those still lacking
  // and not being fetched.
  void GraceOver(const std::vector<RecordKey>& keys)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Queues `key` to be announced to the peer of `rt`, or drops it (counted)
  // if the queue is at options.max_announce_queue.
  void QueueAnnounceLocked(PeerRuntime& rt, const RecordKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void SendPushes(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // `pushed`: (origin, sequence) of the records the push carried.
  void OnPushResponse(const std::string& peer, std::vector<RecordKey> pushed,
                      absl::StatusOr<v1::PushResponse> response)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  void SendAnnounces(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void OnAnnounceResponse(const std::string& peer, std::vector<RecordKey> asked,
                          absl::StatusOr<v1::AnnounceResponse> response)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  void SendFetches(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  void OnFetchResponse(const std::string& peer, std::vector<RecordKey> asked,
                       absl::Time sent,
                       absl::StatusOr<v1::FetchResponse> response)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Asks `key` of its next announcer not asked yet; false if none is left.
  bool AskNextLocked(const RecordKey& key, Wanted& wanted,
                     std::set<std::string>* to_send)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);
  // A fetch from `peer` still unanswered after a few of its round trips
  // (lost, or a slow peer): asks another announcer as well.
  void Hedge(const std::string& peer, const std::vector<RecordKey>& asked)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  absl::Duration HedgeDelayLocked(const std::string& peer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_->mu);

  Host* const host_;
  SharedState* const shared_;
  node::Store* const store_;
  const node::Clock* const clock_;
  Scheduler* const scheduler_;
  Transport* const transport_;
  const FederationOptions* const options_;
  const std::string self_;  // Raw key.
  const TrustGraph* const trust_;
  std::map<RecordKey, Wanted> wanted_ ABSL_GUARDED_BY(shared_->mu);
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_SPREADING_H_
