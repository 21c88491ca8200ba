// The hub's store: the latest version of every record, in LevelDB, with the
// indexes that replication and search need. A record and all its index
// entries change in one WriteBatch.
//
// Rules Apply() enforces, whatever order records arrive in:
//  - an older or equal version never replaces a newer one;
//  - a second, different body for an (origin, sequence) already seen is kept
//    as fork evidence, flags the origin, and is not applied.
//
// A failed write (a full disk, an I/O error, a background compaction error
// LevelDB reports) makes the store read-only until it is reopened: LevelDB
// leaves its log in an undefined state after a failed write, so a later
// write that seemed to succeed could be lost on restart. Reads keep serving.
//
// Thread-safe: reads run concurrently; writes are serialized internally.
#ifndef CIVHUB_NODE_STORAGE_STORE_H_
#define CIVHUB_NODE_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/record.pb.h"
#include "crypto/record_signing.h"
#include "node/base/clock.h"
#include "node/records/index_terms.h"
#include "node/storage/store_env.h"

// The store's own; nothing outside node/storage sees LevelDB.
namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class Snapshot;
class WriteBatch;
struct WriteOptions;
}  // namespace leveldb

namespace civhub::node {

namespace internal {
struct StoreAccess;
}  // namespace internal

class StoreSnapshot;  // snapshot.h

struct StoreOptions {
  // Directory of the store; created if missing unless `must_exist`.
  std::string path;
  // Refuse to create a store: NOT_FOUND ("there is no store at PATH") if
  // `path` holds none. For `civhubd --check`, which must not check a new,
  // empty store and call it sound.
  bool must_exist = false;
  // Where the store's files live; nullptr means the real file system.
  // Simulations, civhub-bench and the fuzzers pass StoreEnv::InMemory(),
  // tests of a full disk a FullDiskEnv (full_disk_env_for_tests.h, through
  // internal::StoreAccess::Borrow). Must outlive the Store.
  StoreEnv* env = nullptr;
  size_t block_cache_bytes = 32 << 20;
  // Table files LevelDB keeps open (its max_open_files); civhubd lowers it
  // when the process may open few files (BudgetDescriptors).
  int max_open_files = 1000;
  // Must outlive the Store.
  Clock* clock = SystemClock();
};

enum class ApplyOutcome {
  kApplied,    // Stored as the latest version of its record.
  kDuplicate,  // This exact body was accepted before.
  kStale,      // A newer or equal version of the record is already held.
  kFork,       // Conflicts with an accepted body; kept as evidence only.
};

absl::string_view ApplyOutcomeName(ApplyOutcome outcome);

// Why the store stopped taking writes (Store::failure()).
struct StoreFailure {
  absl::Time at;
  // The system's words, such as "No space left on device".
  std::string reason;
  // LevelDB's whole status, such as "IO error: /var/hub/store/000003.log: No
  // space left on device".
  std::string detail;
};

// True for the error a failed store returns for every write:
// FAILED_PRECONDITION "store is read-only after a write failed: No space left
// on device; free space and restart civhubd".
bool IsStoreReadOnly(const absl::Status& status);
// That error, for `failure`.
absl::Status StoreReadOnlyError(const StoreFailure& failure);

// True for the error Store::Open returns when another Store holds the
// directory: another process (such as a civhubd running on the data dir),
// or another Store in this process. UNAVAILABLE: opening again once the
// other has closed it can succeed.
bool IsStoreLocked(const absl::Status& status);

// A record as the store holds it.
struct StoredView {
  storage::StoredRecord stored;
  v1::RecordBody body;
};

class Store {
 public:
  // Opens (creating if missing, unless must_exist) the store at
  // options.path. On error returns a non-OK status and leaves nothing open:
  // the lock error (IsStoreLocked) if another Store holds the directory,
  // DATA_LOSS if the store is damaged (a file missing or corrupt; the
  // message says what to do), NOT_FOUND for must_exist and no store,
  // INTERNAL for an I/O error.
  static absl::StatusOr<std::unique_ptr<Store>> Open(
      const StoreOptions& options);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // What Apply derives from a record alone. Computing it is most of
  // Apply's CPU work outside LevelDB, so callers that ingest on several
  // threads compute it there, before Apply takes the store's write lock.
  struct ApplyPlan {
    std::string body_hash;
    IndexTerms terms;
  };
  static ApplyPlan Plan(const crypto::VerifiedRecord& record);

  // Applies a record whose signature was verified and body validated. With
  // `sync`, returns only once the write is durable.
  absl::StatusOr<ApplyOutcome> Apply(const crypto::VerifiedRecord& record,
                                     bool sync);
  // The same, with `plan` = Plan(record).
  absl::StatusOr<ApplyOutcome> Apply(const crypto::VerifiedRecord& record,
                                     const ApplyPlan& plan, bool sync);

  // Apply for each of `records` (with their plans, parallel to it), in
  // order, under one hold of the store's lock and in one LevelDB write (one
  // sync with `sync`): a later record sees the earlier ones of the batch,
  // so the store ends exactly as after one Apply per record, with the same
  // outcome for each. One result per record, in order. A record refused on
  // its own (a blocked origin, a corrupt row read) does not stop the
  // others; if the write fails, the store turns read-only and every record
  // not already refused gets the read-only error: nothing of the batch is
  // acknowledged, and none of it is in the store after a restart unless
  // the whole batch is. `plans` must be at least as long as `records`.
  // With `stop_unless_applied` (a hub publishing its own records, whose
  // sequences must not leave a gap), the first record that is refused or
  // not kApplied ends the batch: the ones before it are written, the ones
  // after it are not, each with ABORTED.
  std::vector<absl::StatusOr<ApplyOutcome>> ApplyMany(
      absl::Span<const crypto::VerifiedRecord* const> records,
      absl::Span<const ApplyPlan* const> plans, bool sync,
      bool stop_unless_applied = false);

  // Makes every write applied so far durable.
  absl::Status Sync();

  // Every method that writes (Apply, Sync, AdvanceWatermark, Block, Unblock,
  // PutAux, DeleteAux) returns the read-only error (IsStoreReadOnly) once a
  // write has failed, the failing one included, and changes nothing.

  // OK while the store takes writes; else the read-only error.
  absl::Status Writable() const;
  // Set once a write failed; nullopt while the store takes writes.
  std::optional<StoreFailure> failure() const;
  // Runs `observer` once, when a write first fails, with the store's lock
  // held: it must not call the Store. Set once, before writing.
  void SetFailureObserver(std::function<void(const StoreFailure&)> observer) {
    failure_observer_ = std::move(observer);
  }

  // Raises `origin`'s complete_through (its anti-entropy watermark) from
  // `from` to `to`: only if the hub already holds everything up to `from`
  // (so (from, to] extends its prefix) and `to` is higher. Sequences seen
  // right after `to` (records that arrived out of order) extend it further.
  absl::Status AdvanceWatermark(absl::string_view origin, uint64_t from,
                                uint64_t to);

  // True if a body for (origin, sequence) was accepted: the hub holds that
  // record or a newer version of it.
  absl::StatusOr<bool> Seen(absl::string_view origin, uint64_t sequence) const;

  // Every origin the store knows, with its state, sorted by origin.
  absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
  Origins() const;

  // Latest versions of `origin` with sequence in (after, through], in
  // sequence order: at most `max_records`, and stopping once `max_bytes` is
  // reached (at least one record is returned if any exists).
  struct SequenceBatch {
    std::vector<v1::SignedRecord> records;
    // Highest sequence examined: everything in (after, last] was returned.
    uint64_t last = 0;
    // True if the batch reached `through`.
    bool complete = false;
    // Sequence of the last record returned; 0 if none.
    uint64_t last_returned = 0;
  };
  absl::StatusOr<SequenceBatch> RecordsAfter(absl::string_view origin,
                                             uint64_t after, uint64_t through,
                                             size_t max_records,
                                             size_t max_bytes) const;

  // Number of latest versions of `origin` with sequence in (after, through].
  absl::StatusOr<uint64_t> CountAfter(absl::string_view origin, uint64_t after,
                                      uint64_t through) const;

  // Purges every record of `origin` (fork evidence is kept) and refuses its
  // records from then on. Returns the number of records removed. Idempotent:
  // if interrupted, calling it again finishes the purge.
  absl::StatusOr<uint64_t> Block(absl::string_view origin);
  // Accepts `origin` again; its records must be fetched anew.
  absl::Status Unblock(absl::string_view origin);
  // How many batches of records Block purged since the store was opened. A
  // purge
  // leaves no trace in the change log, so an index kept in memory by
  // following the log (Directory's match index) starts over when this
  // changes.
  uint64_t purges() const { return purges_.load(std::memory_order_acquire); }

  // Latest versions of records of one kind, such as hub profiles or peer
  // links. INVALID_ARGUMENT for a kind the store keeps no kind postings for
  // (tombstones, PAYLOAD_NOT_SET).
  absl::StatusOr<std::vector<StoredView>> RecordsOfKind(
      v1::RecordBody::PayloadCase kind) const;

  // A small key-value space for layers above (federation's peer table),
  // in the same database.
  absl::StatusOr<std::optional<std::string>> GetAux(
      absl::string_view key) const;
  absl::Status PutAux(absl::string_view key, absl::string_view value,
                      bool sync);
  absl::Status DeleteAux(absl::string_view key, bool sync);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ScanAux(
      absl::string_view prefix) const;

  // The record with local document number `doc` (postings refer to them),
  // or nullopt if it no longer exists. (Reads that must agree with each
  // other go through one StoreSnapshot, snapshot.h.)
  absl::StatusOr<std::optional<StoredView>> GetDoc(uint64_t doc) const {
    return GetDocAt(doc, nullptr);
  }

  // The latest version held of (origin, record_id), tombstones included, or
  // nullopt if the hub never saw the record.
  absl::StatusOr<std::optional<StoredView>> Get(
      absl::string_view origin, absl::string_view record_id) const {
    return GetAt(origin, record_id, nullptr);
  }

  // What the hub knows of `origin` (all zero if nothing).
  absl::StatusOr<storage::OriginState> GetOriginState(
      absl::string_view origin) const;

  storage::Counters counters() const;

  // Bytes of memory LevelDB holds in its memtables and block cache.
  uint64_t CacheBytes() const;

  // Records whose text postings Open rebuilt because the store was written
  // under another kTextIndexVersion (older search rules); 0 if it was not.
  uint64_t text_reindexed() const { return text_reindexed_; }
  // Records whose filter postings Open rebuilt because the store was written
  // under another kFilterIndexVersion (before HSDS id postings, for one);
  // 0 if it was not.
  uint64_t filter_reindexed() const { return filter_reindexed_; }
  // True if Open rebuilt every posting because the store held them in
  // another layout (one key per posting, before blocks); text_reindexed
  // and filter_reindexed then count the records.
  bool postings_relaid() const { return postings_relaid_; }

  // Change number of the latest applied record; 0 if none.
  uint64_t last_change() const;
  // Blocks until a change after `after` exists or `timeout` passes; returns
  // whether one exists.
  bool WaitForChange(uint64_t after, absl::Duration timeout) const;

  // One step of the background merge of small posting blocks: a record
  // applied alone (a publish, a short run of replicated records) appends a
  // block of one or a few postings to each of its lists, and the merge
  // rewrites each run of adjacent blocks of one list that fit in one block
  // as that block (internal/posting_merge.h), so that queries read a
  // LevelDB entry per ~256 postings again. Reads about `max_blocks` blocks
  // under the store's write lock (writers wait for it: ~1 ms per 1,000),
  // from where the last step stopped; steps wrap around. Not synced: a
  // merge lost in a crash leaves the blocks it would have replaced, which
  // hold the same postings. Refused once the store is read-only.
  struct PostingMergeStep {
    uint64_t blocks_read = 0;
    uint64_t blocks_removed = 0;
    // The step reached the last list; the next starts from the first.
    bool pass_done = false;
  };
  absl::StatusOr<PostingMergeStep> MergePostingBlocks(size_t max_blocks);

  // Compacts the posting lists' key ranges (text, filter, geo) to LevelDB's
  // last level. A merge leaves the blocks it replaced as deletions, and
  // LevelDB keeps a deletion, and the entry it hides, until a compaction
  // reaches them; an iterator steps over each, so reading a list merged
  // from one-posting blocks costs a step per posting again (25 µs a block
  // at 1M). Writers are not blocked; takes seconds at 1M, minutes at 10M,
  // in 48 pieces (each tag's range by its next byte): `stop`, asked
  // between pieces, ends it early (a shutdown need not wait). Refused once
  // the store is read-only.
  absl::Status CompactPostings(const std::function<bool()>& stop = [] {
    return false;
  });

 private:
  friend class StoreSnapshot;
  friend class PostingCursor;
  friend class ChangeCursor;
  friend struct internal::StoreAccess;
  friend absl::StatusOr<std::vector<std::string>> ListFilterValues(
      const StoreSnapshot& snapshot, char field, absl::string_view prefix,
      size_t max);

  Store(const StoreOptions& options, std::unique_ptr<leveldb::DB> db,
        std::unique_ptr<leveldb::Cache> cache,
        std::unique_ptr<const leveldb::FilterPolicy> filter,
        storage::Counters counters);

  // Get and GetDoc as of `snapshot` (nullptr: the latest state).
  absl::StatusOr<std::optional<StoredView>> GetAt(
      absl::string_view origin, absl::string_view record_id,
      const leveldb::Snapshot* snapshot) const;
  absl::StatusOr<std::optional<StoredView>> GetDocAt(
      uint64_t doc, const leveldb::Snapshot* snapshot) const;

  // What a batch (ApplyMany) has decided but LevelDB does not hold yet:
  // the reads of a later record of the batch look here first.
  struct Pending;
  // Adds what Apply writes for `record` to `batch` and `pending`, reading
  // the store as `pending` changes it. Writes nothing to LevelDB.
  absl::StatusOr<ApplyOutcome> ApplyToBatch(
      const crypto::VerifiedRecord& record, const ApplyPlan& plan,
      Pending* pending, leveldb::WriteBatch* batch) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds `pending`'s origin states and counters to `batch` and writes it;
  // on success the counters become the store's.
  absl::Status CommitLocked(Pending* pending, leveldb::WriteBatch* batch,
                            bool sync) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The only way the store writes: refused once a write failed; a failure
  // makes the store read-only and returns the read-only error.
  absl::Status WriteLocked(const leveldb::WriteOptions& options,
                           leveldb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WritableLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;

  std::function<void(const StoreFailure&)> failure_observer_;
  uint64_t text_reindexed_ = 0;    // Set once by Open.
  uint64_t filter_reindexed_ = 0;  // Set once by Open.
  bool postings_relaid_ = false;   // Set once by Open.
  std::atomic<uint64_t> purges_{0};

  mutable absl::Mutex mu_;
  storage::Counters counters_ ABSL_GUARDED_BY(mu_);
  // Where the next MergePostingBlocks step starts; empty: the first list.
  std::string merge_cursor_ ABSL_GUARDED_BY(mu_);
  std::optional<StoreFailure> failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_STORE_H_
