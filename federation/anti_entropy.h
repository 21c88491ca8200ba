// AntiEntropy: the part of Federation that replicates per active link in
// rounds, Scuttlebutt style. Each hub keeps, per origin, the sequence up to
// which it holds everything (its vector, CurrentVector). A round is one
// Sync call per active peer per sync interval (jittered ±20%; at once again
// while the peer says it has more; backing off to max_backoff while calls
// fail): the caller sends its vector's digest plus the entries that changed
// since it last told this peer (`told`; the whole vector the first time,
// after a failure or when the peer asks); the peer, which mirrors what it
// was told (`view`), rebuilds the vector, checks the digest, and answers
// with exactly the records the caller lacks, oldest first per origin,
// within the caller's limits, each origin an equal share. An idle round
// costs a few dozen bytes.
//
// It owns, in each peer's PeerRuntime, `told`, `view`, `holds`, the round
// flags, the backoff and the forked origins; it applies the records peers
// send (ApplyFromPeer: ingest, the link records that widen trust) and
// advances the store's watermarks over what a reply or a newly stored
// record vouches for. What it needs of the rest of Federation (trust,
// system records, the end of a link, relaying, the link check) its Host
// does.
//
// Thread-safety: the state is SharedState's, under its mutex `mu`. Methods
// marked ABSL_EXCLUSIVE_LOCKS_REQUIRED need it held; the others take it and
// need it not held. No lock is held across a Transport call's reply,
// ingest, a store write or a Host call (but RequireActiveLocked).
#ifndef CIVHUB_FEDERATION_ANTI_ENTROPY_H_
#define CIVHUB_FEDERATION_ANTI_ENTROPY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "civhub/v1/federation.pb.h"
#include "crypto/keys.h"
#include "federation/options.h"
#include "federation/peer_state.h"
#include "federation/pull.h"
#include "federation/transport.h"
#include "federation/trust.h"
#include "federation/vector.h"
#include "node/hub.h"

namespace civhub::federation {

class AntiEntropy : private Pull::Host {
 public:
  // What AntiEntropy asks of the rest of Federation.
  class Host {
   public:
    virtual ~Host() = default;
    // OK if `caller` has an active link with this hub; else the error to
    // answer its call with (FAILED_PRECONDITION while this hub waits for
    // the link's confirmation, PERMISSION_DENIED otherwise). Called with
    // SharedState::mu held.
    virtual absl::Status RequireActiveLocked(
        const crypto::PublicKey& caller) = 0;
    // Ends the link with `peer` (it said it has none), recording `reason`;
    // the peer is not told, and a failure to save the end is logged (the
    // link has ended in memory all the same). Called without the mutex.
    virtual void EndLinkByPeer(const std::string& peer,
                               const std::string& reason) = 0;
    // Recomputes trust from the peer table and the link records stored.
    // Called without the mutex held.
    virtual void RebuildTrust() = 0;
    // Publishes the hub's profile and link records (a first round showed
    // which sequences are this hub's to take). Called without the mutex.
    virtual void PublishSystemRecords() = 0;
    // Offers `records` newly stored from `from` to the other peers.
    // Called without the mutex held.
    virtual void Relay(const std::vector<v1::SignedRecord>& records,
                       const std::vector<RecordKey>& keys,
                       const std::string& from) = 0;
  };

  // Every pointer must outlive the AntiEntropy; `trust` is the graph the
  // hub's ingest consults (read here to serve only trusted origins).
  // `self` is this hub's raw key.
  AntiEntropy(Host* host, SharedState* shared, node::Hub* hub,
              const TrustGraph* trust, Scheduler* scheduler,
              Transport* transport, const FederationOptions* options,
              std::string self);

  AntiEntropy(const AntiEntropy&) = delete;
  AntiEntropy& operator=(const AntiEntropy&) = delete;

  // Runs a round with `peer` after `delay`, and from then on one per sync
  // interval while the link stays as it is now (a link made again starts
  // its own rounds: those of the link before stop). Nothing once stopped.
  void ScheduleRound(const std::string& peer, absl::Duration delay)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // Answers `caller`'s Sync: the records it lacks, oldest first per origin,
  // within its limits and options.sync_max_records/sync_max_bytes, only of
  // origins this hub trusts; `more` if some were left out. Remembers the
  // caller's vector for its next round. The Host's RequireActiveLocked
  // error; need_full_vector (not an error) if the digest does not match
  // the vector rebuilt; the store's read errors.
  absl::StatusOr<v1::SyncResponse> HandleSync(const crypto::PublicKey& caller,
                                              const v1::SyncRequest& request)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  // Ingests `records` received from `peer` (a sync reply, a push, a fetch)
  // and says what happened; every record is tried, and those refused for
  // want of trust are tried again once link records of the same batch
  // widened it. Notes the origins `peer` relayed fork evidence for. Does
  // not advance watermarks (AdvanceForNew, or the round does).
  Applied ApplyFromPeer(
      const std::string& peer,
      const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  // Records stored from a peer (by push or fetch) right after what the hub
  // held extend its watermarks. A failed watermark write is logged; the
  // next round covers it again.
  void AdvanceForNew(const std::vector<RecordKey>& stored);
  // This hub's vector: per origin, its own records' highest sequence, the
  // sequence others' are complete through, or kBlocked. The store's read
  // errors.
  absl::StatusOr<Vector> CurrentVector() const;

  // What the range pulls of a backlog did (Pull).
  Pull::Counters pull_counters() const { return pull_.counters(); }

 private:
  // Pull::Host.
  Applied ApplyPulled(
      const std::string& peer,
      const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records)
      override {
    return ApplyFromPeer(peer, records);
  }
  void RebuildTrust() override { host_->RebuildTrust(); }
  void Relay(const std::vector<v1::SignedRecord>& records,
             const std::vector<RecordKey>& keys,
             const std::string& from) override {
    host_->Relay(records, keys, from);
  }
  // HandleSync of a range pull (SyncRequest.range), the caller's link
  // checked.
  absl::StatusOr<v1::SyncResponse> ServeRange(const v1::SyncRequest& request);

  void RunRound(const std::string& peer, uint64_t generation)
      ABSL_LOCKS_EXCLUDED(shared_->mu);
  void OnSyncResponse(const std::string& peer, uint64_t generation, Vector sent,
                      bool sent_full, absl::Time sent_at,
                      absl::StatusOr<v1::SyncResponse> response)
      ABSL_LOCKS_EXCLUDED(shared_->mu);

  Host* const host_;
  SharedState* const shared_;
  node::Hub* const hub_;
  node::Store* const store_;
  const TrustGraph* const trust_;
  Scheduler* const scheduler_;
  Transport* const transport_;
  const FederationOptions* const options_;
  const std::string self_;  // Raw key.
  Pull pull_;               // Catching up on a backlog.
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_ANTI_ENTROPY_H_
