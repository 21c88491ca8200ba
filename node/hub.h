// The hub: its key, its store, and the two ways records enter it.
//  - Publish/Delete: records of this hub. The hub assigns version and
//    sequence, signs with its key and stores durably (sync) before returning.
//  - Ingest: signed records from elsewhere (backups now, peer hubs later).
//    Each is verified against its origin's key, validated, admitted by the
//    origin policy and applied; nothing is stored for a record that fails.
//
// Thread-safe.
#ifndef CIVHUB_NODE_HUB_H_
#define CIVHUB_NODE_HUB_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "civhub/v1/admin.pb.h"
#include "crypto/keys.h"
#include "node/base/clock.h"
#include "node/base/executor.h"
#include "node/search/directory.h"
#include "node/storage/store.h"

namespace civhub::node {

// Decides whose records the hub accepts. Implementations are thread-safe.
class OriginPolicy {
 public:
  virtual ~OriginPolicy() = default;
  // OK to accept `record` (its signature already verified against its
  // origin); PERMISSION_DENIED saying why not.
  virtual absl::Status Admit(const crypto::VerifiedRecord& record) const = 0;
};

// The default until federation links exist: only the hub's own records.
class OwnOriginOnly : public OriginPolicy {
 public:
  explicit OwnOriginOnly(crypto::PublicKey self) : self_(std::move(self)) {}
  absl::Status Admit(const crypto::VerifiedRecord& record) const override;

 private:
  const crypto::PublicKey self_;
};

// A record's header as ingest verified it: read once, from the body whose
// signature was checked, so callers never parse the record again.
struct IngestedHeader {
  std::string origin;  // The origin key's 32 bytes; empty if not verified.
  uint64_t sequence = 0;
  std::string record_id;
  v1::RecordBody::PayloadCase kind = v1::RecordBody::PAYLOAD_NOT_SET;
};

// What ingest did with one record.
struct IngestResult {
  // Set whenever the signature verified, also when the record was then
  // refused (policy, validation) or the store failed.
  IngestedHeader header;
  absl::StatusOr<ApplyOutcome> outcome;
};

struct PublishResult {
  v1::Record record;
  bool unchanged = false;  // The payload equalled the current version.
  // Published over an earlier version: the lists of the kind's message
  // (field names) that version had and this one leaves empty.
  std::vector<std::string> emptied;
};

class Hub {
 public:
  // `store`, `clock`, `policy` and `executor` must outlive the Hub;
  // `policy` may be nullptr for OwnOriginOnly, `executor` nullptr for the
  // process-wide pool (DefaultExecutor()).
  Hub(crypto::PrivateKey key, Store* store, Clock* clock,
      const OriginPolicy* policy = nullptr, Executor* executor = nullptr);

  const crypto::PublicKey& id() const { return key_.public_key(); }
  const crypto::PrivateKey& key() const { return key_; }
  Store* store() const { return store_; }
  const Directory& directory() const { return directory_; }
  Clock* clock() const { return clock_; }

  // Creates or updates record `request.record_id()` of this hub.
  // INVALID_ARGUMENT naming the field if the payload is invalid (topics and
  // organization types must be listed or "x-" codes).
  absl::StatusOr<PublishResult> Publish(const v1::PublishRequest& request);

  // Publish for each of `requests` (at most a few hundred: they are held in
  // memory together), under one hold of the publish lock: each is checked
  // for "unchanged" and validated strictly as Publish does, and a rejected
  // one does not stop the others. The published ones take contiguous
  // sequences in request order (a record given twice gets two versions),
  // are validated, serialized and signed on the executor's threads, applied
  // in order (runs of signed ones in one store write, Store::ApplyMany) and
  // made durable by one sync before this returns; the observer
  // then runs once per published record, in order. Concurrent calls
  // overlap: one is checked and signed while the one before it is stored,
  // its sequences following that one's (it waits for that one to be
  // stored if it names one of its records), and it fails if that one
  // failed to be stored. One result per request, in order: the new record,
  // the current one with `unchanged`, or the error naming the field (a
  // store failure fails that record and every later one).
  // Takes each request's payload, leaving the request its record_id: the
  // payloads become the records rather than copies of them.
  std::vector<absl::StatusOr<PublishResult>> PublishMany(
      google::protobuf::RepeatedPtrField<v1::PublishRequest>* requests);
  // The same with a copy of `requests`.
  std::vector<absl::StatusOr<PublishResult>> PublishMany(
      const google::protobuf::RepeatedPtrField<v1::PublishRequest>& requests);

  // What PublishMany would do with `requests` now, publishing nothing
  // (`civhubctl hsds import --dry-run`): the same checks against the same
  // store, and for each request the record as it would be published (the
  // version and sequence it would take, unsigned), the current one with
  // `unchanged`, or the error naming the field. Observers hear nothing.
  std::vector<absl::StatusOr<PublishResult>> CheckMany(
      const google::protobuf::RepeatedPtrField<v1::PublishRequest>& requests);

  // Replaces record `record_id` of this hub with a tombstone. NOT_FOUND if
  // there is no such record or it is already deleted; INVALID_ARGUMENT for
  // the hub's system records (ids starting with "~").
  absl::StatusOr<PublishResult> Delete(absl::string_view record_id,
                                       absl::string_view reason);

  // The hub's own system records (profile, peer links), for federation:
  // same as Publish/Delete but for "~" ids and their payloads.
  absl::StatusOr<PublishResult> PublishSystem(v1::RecordBody body);
  absl::StatusOr<PublishResult> DeleteSystem(absl::string_view record_id);

  // Runs `observer` after each record this hub publishes or deletes, with
  // the new record (signed, and its body as parsed), outside the hub's
  // locks (it may publish in turn). Set once, before serving.
  void SetPublishObserver(std::function<void(const v1::Record&)> observer) {
    observer_ = std::move(observer);
  }

  // Verifies, validates and applies a signed record from elsewhere.
  // INVALID_ARGUMENT naming the field for a bad signature or body,
  // PERMISSION_DENIED for an origin the policy refuses.
  absl::StatusOr<ApplyOutcome> Ingest(v1::SignedRecord record, bool sync);

  // Ingest for each of `records`, applied in order (a later version of a
  // record after an earlier one) by the calling thread, with the signature
  // checks, validation and index derivation of the batch spread over the
  // executor's threads (one per 16 records at most). One result per record,
  // in order. Replication ingests whole replies with it: verification is
  // most of ingest's cost and parallel.
  std::vector<IngestResult> IngestMany(
      const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records,
      bool sync);

 private:
  struct Checked {
    crypto::VerifiedRecord record;
    Store::ApplyPlan plan;
  };
  // Ingest's work before the store: parse, verify, admit, validate, plan.
  // Sets `*header` once the signature verified.
  absl::StatusOr<Checked> Check(v1::SignedRecord record,
                                IngestedHeader* header = nullptr) const;

  absl::StatusOr<PublishResult> PublishBody(v1::RecordBody body, bool strict)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // Refuses a record naming one of this hub's own records that is not there
  // (never published, or deleted) or is of another kind: published, it
  // would replicate to every hub as a reference to nothing. The message
  // names the field and, when another hub's record has that id, how to
  // refer to it. `pending` finds a record published earlier in the same
  // batch (nullptr if none). References to other hubs' records are not
  // checked: those may not have arrived yet.
  absl::Status CheckOwnReferences(
      const v1::RecordBody& body,
      const std::function<const v1::RecordBody*(absl::string_view)>& pending)
      const;
  // How to mend a reference to a record id this hub lacks: the hub id of
  // another hub holding a record of `kind` with that id, if one does.
  // `own_only`: the field must name one of this hub's records, so the
  // record goes to that other hub instead.
  std::string ElsewhereHint(absl::string_view record_id,
                            v1::RecordBody::PayloadCase kind,
                            bool own_only) const;
  absl::StatusOr<PublishResult> Retire(absl::string_view record_id,
                                       absl::string_view reason);
  // Runs fn(0) ... fn(n - 1) on the calling thread and the executor's
  // helpers (one per 16 items at most); returns when all have run.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);
  // What PublishManyLocked stored and left to finish outside the lock.
  struct StoredBatch {
    // Request indexes to sign and apply, in sequence order, and their
    // first and last sequences.
    std::vector<size_t> to_apply;
    uint64_t first_sequence = 0;
    uint64_t last_sequence = 0;
    std::vector<size_t> applied;  // Request indexes, in the store unsynced.
    std::vector<std::optional<Checked>> checked;  // By request index.
    // same_as[i]: request i is unchanged from request same_as[i].
    std::vector<std::optional<size_t>> same_as;
    // emptied[i]: PublishResult::emptied of request i.
    std::vector<std::vector<std::string>> emptied;
  };
  // PublishMany's work under publish_mu_: checks and signs the batch; sets
  // the results of requests that failed or were unchanged from the store.
  // With `dry_run` (CheckMany) it stops after the checks, setting the
  // unsigned record each published one would be.
  // Takes each request's payload.
  StoredBatch PublishManyLocked(
      google::protobuf::RepeatedPtrField<v1::PublishRequest>* requests,
      std::vector<absl::StatusOr<PublishResult>>* results, bool dry_run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // PublishMany's work under apply_mu_: stores the signed batch (unsynced),
  // in order, setting the results of records that failed to be.
  void ApplyBatch(StoredBatch* batch,
                  std::vector<absl::StatusOr<PublishResult>>* results)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  // OK if `batch`'s first sequence follows the last one stored (PublishMany
  // asks once the batch before it is stored or failed); else why not: the
  // store's failure, or ABORTED.
  absl::Status FollowsStored(const StoredBatch& batch) const;
  // Waits until the batch PublishMany is applying, if any, is applied:
  // the store is then current for this hub's records.
  void SettleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // PublishMany's work after the lock: one sync for the batch, then the
  // results of what it stored.
  void FinishBatch(StoredBatch batch,
                   std::vector<absl::StatusOr<PublishResult>>* results);
  // Retire's work, under publish_mu_ (it takes the lock itself).
  absl::StatusOr<PublishResult> RetireLocked(absl::string_view record_id,
                                             absl::string_view reason);
  // Runs `fn` under publish_mu_.
  template <typename Fn>
  absl::StatusOr<PublishResult> Locked(Fn fn) {
    absl::MutexLock lock(&publish_mu_);
    SettleLocked();
    return fn();
  }
  // Tells the observer about a new record, then returns `result`.
  absl::StatusOr<PublishResult> Notify(absl::StatusOr<PublishResult> result);

  const crypto::PrivateKey key_;
  Store* const store_;
  Clock* const clock_;
  OwnOriginOnly own_only_;
  const OriginPolicy* const policy_;
  Executor* const executor_;
  Directory directory_;
  std::function<void(const v1::Record&)> observer_;

  // Serializes local publishes: each takes the next sequence.
  absl::Mutex publish_mu_;
  // Held while a published batch is stored. PublishMany takes it before it
  // lets go of publish_mu_, so batches are stored in the order they took
  // their sequences, and the next batch is checked and signed meanwhile.
  absl::Mutex apply_mu_ ABSL_ACQUIRED_AFTER(publish_mu_);
  // The batch PublishMany is storing, or has stored since the last look:
  // its record ids and its last sequence. The next batch takes its
  // sequences after that one, and waits for it (SettleLocked) before it
  // reads one of those records.
  // (No default member initializers: clang takes a nested struct with
  // them for not default-constructible inside std::optional.)
  struct Applying {
    absl::flat_hash_set<std::string> record_ids;
    uint64_t last_sequence;
  };
  std::optional<Applying> applying_ ABSL_GUARDED_BY(publish_mu_);
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_HUB_H_
