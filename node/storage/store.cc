#include "node/storage/store.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/filter_policy.h"
#include "leveldb/write_batch.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"
#include "node/storage/internal/posting_blocks.h"
#include "node/storage/internal/posting_merge.h"
#include "node/storage/internal/posting_writes.h"
#include "node/storage/internal/record_row.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/internal/store_files.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node {
namespace {

using internal::DamagedStoreError;
using internal::FailureReason;
using internal::FromLevelDb;
using internal::IsLockFailure;
using internal::ParseRecordRow;
using internal::RefuseWithoutCurrent;

constexpr absl::string_view kReadOnly =
    "store is read-only after a write failed: ";

// Marks the error of Store::Open when another Store holds the directory.
constexpr absl::string_view kLockedPayload = "civhub.storage/locked";

// "applied", or the error.
std::string Describe(const absl::StatusOr<ApplyOutcome>& outcome) {
  return outcome.ok() ? std::string(ApplyOutcomeName(*outcome))
                      : outcome.status().ToString();
}

}  // namespace

absl::Status StoreReadOnlyError(const StoreFailure& failure) {
  const bool full = absl::StrContains(failure.reason, "No space left") ||
                    absl::StrContains(failure.reason, "quota");
  return absl::FailedPreconditionError(
      absl::StrCat(kReadOnly, failure.reason, "; ",
                   full ? "free space and restart civhubd"
                        : "check the disk (the system log says more) and "
                          "restart civhubd"));
}

bool IsStoreLocked(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable &&
         status.GetPayload(kLockedPayload).has_value();
}

bool IsStoreReadOnly(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StartsWith(status.message(), kReadOnly);
}

absl::string_view ApplyOutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kApplied:
      return "applied";
    case ApplyOutcome::kDuplicate:
      return "duplicate";
    case ApplyOutcome::kStale:
      return "stale";
    case ApplyOutcome::kFork:
      return "fork";
  }
  return "unknown";
}

Store::Store(const StoreOptions& options, std::unique_ptr<leveldb::DB> db,
             std::unique_ptr<leveldb::Cache> cache,
             std::unique_ptr<const leveldb::FilterPolicy> filter,
             storage::Counters counters)
    : clock_(options.clock),
      cache_(std::move(cache)),
      filter_(std::move(filter)),
      db_(std::move(db)),
      counters_(std::move(counters)) {}

Store::~Store() {
  // The DB uses the cache and filter policy; close it first.
  db_.reset();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(
    const StoreOptions& options) {
  std::unique_ptr<leveldb::Cache> cache(
      leveldb::NewLRUCache(options.block_cache_bytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(
      leveldb::NewBloomFilterPolicy(10));
  leveldb::Options lo;
  lo.create_if_missing = true;
  lo.block_cache = cache.get();
  lo.filter_policy = filter.get();
  // Large memtables make large level-0 tables, and each compaction into
  // level 1 then rewrites the level below once for more new data: an
  // import of 200,000 organizations took a sixth less CPU at 64 MiB than
  // at 16 (compaction wrote 62 MB for the first 100,000 instead of 218;
  // docs/performance.md). RocksDB's default, too. Two may be held at once
  // (docs/operations.md, "Memory").
  lo.write_buffer_size = 64 << 20;
  lo.max_file_size = 8 << 20;
  lo.max_open_files = options.max_open_files;
  lo.env = options.env != nullptr ? internal::StoreAccess::Env(*options.env)
                                  : internal::TablesReadNotMapped();
  if (absl::Status st = RefuseWithoutCurrent(lo.env, options.path); !st.ok()) {
    return st;
  }
  if (options.must_exist && !lo.env->FileExists(options.path + "/CURRENT")) {
    return absl::NotFoundError(
        absl::StrCat("there is no store at ", options.path));
  }
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, options.path, &raw);
  if (s.IsCorruption()) return DamagedStoreError(s, options.path);
  if (!s.ok()) {
    absl::Status st = FromLevelDb(s);
    const bool locked = IsLockFailure(s);
    absl::Status out(locked ? absl::StatusCode::kUnavailable : st.code(),
                     absl::StrCat("cannot open store at ", options.path, ": ",
                                  st.message()));
    if (locked) out.SetPayload(kLockedPayload, absl::Cord());
    return out;
  }
  std::unique_ptr<leveldb::DB> db(raw);

  storage::Counters counters;
  std::string value;
  s = db->Get(leveldb::ReadOptions(), keys::kCounters, &value);
  if (s.ok()) {
    if (!counters.ParseFromString(value)) {
      return absl::DataLossError("store: counters are corrupt");
    }
  } else if (!s.IsNotFound()) {
    return FromLevelDb(s);
  }
  if (counters.next_doc() == 0) counters.set_next_doc(1);
  if (counters.next_change() == 0) counters.set_next_change(1);
  absl::StatusOr<internal::PostingRebuild> rebuilt =
      internal::RebuildPostingsIfStale(db.get());
  if (!rebuilt.ok()) {
    return absl::Status(
        rebuilt.status().code(),
        absl::StrCat("cannot rebuild the index of the store at ", options.path,
                     ": ", rebuilt.status().message()));
  }
  std::unique_ptr<Store> store(new Store(options, std::move(db),
                                         std::move(cache), std::move(filter),
                                         std::move(counters)));
  store->text_reindexed_ = rebuilt->text_records;
  store->filter_reindexed_ = rebuilt->filter_records;
  store->postings_relaid_ = rebuilt->geo;
  return store;
}

Store::ApplyPlan Store::Plan(const crypto::VerifiedRecord& record) {
  return ApplyPlan{crypto::Sha256(record.signed_record.body())
                       .substr(0, keys::kBodyHashBytes),
                   DeriveIndexTerms(record.body)};
}

struct Store::Pending {
  storage::Counters counters;
  bool counters_changed = false;
  // Origin states the batch changed.
  absl::flat_hash_map<std::string, storage::OriginState> origins;
  // Hash and fork keys the batch put, with their values.
  absl::flat_hash_map<std::string, std::string> puts;
  // The records the batch stored, by keys::Record key: the caller's record
  // (it outlives the batch) and the numbers the store gave it.
  struct Record {
    const v1::RecordBody* body;
    uint64_t doc;
    uint64_t change;
  };
  absl::flat_hash_map<std::string, Record> records;
  // The batch's posting changes; CommitLocked writes their blocks.
  internal::PostingOps postings;
};

absl::StatusOr<ApplyOutcome> Store::Apply(const crypto::VerifiedRecord& record,
                                          bool sync) {
  return Apply(record, Plan(record), sync);
}

absl::StatusOr<ApplyOutcome> Store::Apply(const crypto::VerifiedRecord& record,
                                          const ApplyPlan& plan, bool sync) {
  const crypto::VerifiedRecord* records[] = {&record};
  const ApplyPlan* plans[] = {&plan};
  return std::move(ApplyMany(records, plans, sync)[0]);
}

std::vector<absl::StatusOr<ApplyOutcome>> Store::ApplyMany(
    absl::Span<const crypto::VerifiedRecord* const> records,
    absl::Span<const ApplyPlan* const> plans, bool sync,
    bool stop_unless_applied) {
  absl::MutexLock lock(&mu_);
  if (absl::Status st = WritableLocked(); !st.ok()) {
    return std::vector<absl::StatusOr<ApplyOutcome>>(records.size(), st);
  }
  std::vector<absl::StatusOr<ApplyOutcome>> out;
  out.reserve(records.size());
  Pending pending;
  pending.counters = counters_;
  leveldb::WriteBatch batch;
  for (size_t i = 0; i < records.size(); ++i) {
    if (stop_unless_applied && i > 0 &&
        !(out.back().ok() && *out.back() == ApplyOutcome::kApplied)) {
      out.resize(records.size(),
                 absl::AbortedError(absl::StrCat("not applied: record ", i - 1,
                                                 " of the batch was not (",
                                                 Describe(out[i - 1]), ")")));
      break;
    }
    out.push_back(ApplyToBatch(*records[i], *plans[i], &pending, &batch));
  }
  if (absl::Status st = CommitLocked(&pending, &batch, sync); !st.ok()) {
    for (absl::StatusOr<ApplyOutcome>& outcome : out) {
      if (outcome.ok()) outcome = st;
    }
  }
  return out;
}

absl::Status Store::CommitLocked(Pending* pending, leveldb::WriteBatch* batch,
                                 bool sync) {
  // Under mu_, so the blocks read are the latest and no other write moves
  // them before this batch lands. Documents numbered in this batch are in
  // no block yet: their postings are appended without a read.
  if (absl::Status st =
          pending->postings.Write(db_.get(), counters_.next_doc(), batch);
      !st.ok()) {
    return st;
  }
  for (const auto& [origin, state] : pending->origins) {
    batch->Put(keys::Origin(origin), state.SerializeAsString());
  }
  if (pending->counters_changed) {
    batch->Put(keys::kCounters, pending->counters.SerializeAsString());
  }
  // A batch of duplicates only writes nothing, as Apply of one does.
  if (batch->ApproximateSize() <= leveldb::WriteBatch().ApproximateSize()) {
    return absl::OkStatus();
  }
  leveldb::WriteOptions wo;
  wo.sync = sync;
  if (absl::Status st = WriteLocked(wo, batch); !st.ok()) return st;
  if (pending->counters_changed) counters_ = std::move(pending->counters);
  return absl::OkStatus();
}

absl::StatusOr<ApplyOutcome> Store::ApplyToBatch(
    const crypto::VerifiedRecord& record, const ApplyPlan& plan,
    Pending* pending, leveldb::WriteBatch* batch) const {
  const v1::RecordBody& body = record.body;
  const std::string& origin = body.origin();
  const uint64_t seq = body.sequence();
  const std::string& hash = plan.body_hash;
  leveldb::ReadOptions ro;

  // The value of a hash or fork key, as the batch left it.
  auto read = [&](const std::string& key,
                  std::string* value) -> absl::StatusOr<bool> {
    if (auto it = pending->puts.find(key); it != pending->puts.end()) {
      *value = it->second;
      return true;
    }
    leveldb::Status s = db_->Get(ro, key, value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromLevelDb(s);
    return true;
  };
  auto put = [&](std::string key, std::string value) {
    batch->Put(key, value);
    pending->puts[std::move(key)] = std::move(value);
  };

  storage::OriginState state_copy;
  storage::OriginState* state = nullptr;
  if (auto it = pending->origins.find(origin); it != pending->origins.end()) {
    state_copy = it->second;
  } else {
    absl::StatusOr<storage::OriginState> read_state = GetOriginState(origin);
    if (!read_state.ok()) return read_state.status();
    state_copy = *std::move(read_state);
  }
  state = &state_copy;
  if (state->blocked()) {
    return absl::PermissionDeniedError("origin is blocked on this hub");
  }
  const bool new_origin = state->max_sequence() == 0 && state->records() == 0;
  auto keep_state = [&] { pending->origins[origin] = *state; };

  // Keeps `record` as evidence that its origin signed two bodies for one
  // sequence (or one version), without applying it.
  auto keep_fork = [&]() -> absl::StatusOr<ApplyOutcome> {
    std::string key = keys::OriginSeq(keys::kFork, origin, seq);
    key += hash;
    std::string ignored;
    absl::StatusOr<bool> kept = read(key, &ignored);
    if (!kept.ok()) return kept.status();
    if (*kept) return ApplyOutcome::kFork;  // Evidence already kept.
    put(std::move(key), record.signed_record.SerializeAsString());
    state->set_forks(state->forks() + 1);
    if (state->first_fork_sequence() == 0 ||
        seq < state->first_fork_sequence()) {
      state->set_first_fork_sequence(seq);
    }
    keep_state();
    return ApplyOutcome::kFork;
  };

  std::string seen_hash;
  const std::string hash_key = keys::OriginSeq(keys::kHash, origin, seq);
  absl::StatusOr<bool> seen = read(hash_key, &seen_hash);
  if (!seen.ok()) return seen.status();
  if (*seen) {
    return seen_hash == hash
               ? absl::StatusOr<ApplyOutcome>(ApplyOutcome::kDuplicate)
               : keep_fork();
  }

  // The version held of the record: one the batch stored, or the store's.
  const std::string record_key = keys::Record(origin, body.record_id());
  std::optional<Pending::Record> existing;
  std::optional<StoredView> loaded;
  if (auto it = pending->records.find(record_key);
      it != pending->records.end()) {
    existing = it->second;
  } else {
    absl::StatusOr<std::optional<StoredView>> got =
        Get(origin, body.record_id());
    if (!got.ok()) return got.status();
    loaded = *std::move(got);
    if (loaded.has_value()) {
      existing = Pending::Record{&loaded->body, loaded->stored.doc(),
                                 loaded->stored.change()};
    }
  }
  if (existing.has_value()) {
    const v1::RecordBody& old = *existing->body;
    if (old.version() == body.version() ||
        (old.version() < body.version() && old.sequence() >= seq)) {
      // Same version with another body, or a newer version that goes back in
      // sequence: the origin contradicts itself.
      return keep_fork();
    }
    if (old.version() > body.version()) {
      if (seq > state->max_sequence()) {
        // Cannot happen for an honest origin (a newer version has a higher
        // sequence); treat it as contradiction.
        return keep_fork();
      }
      // An older version we never saw: remember its hash so a conflicting
      // body for the same sequence is recognised later.
      put(hash_key, hash);
      return ApplyOutcome::kStale;
    }
  }

  // Apply: replace the old version, if any, and its index entries.
  storage::Counters& counters = pending->counters;
  uint64_t doc;
  if (existing.has_value()) {
    const v1::RecordBody& old = *existing->body;
    doc = existing->doc;
    batch->Delete(keys::OriginSeq(keys::kSeq, origin, old.sequence()));
    batch->Delete(keys::Change(existing->change));
    pending->postings.Add(doc, DeriveIndexTerms(old), /*remove=*/true);
    CountRecord(old, -1, &counters);
  } else {
    doc = counters.next_doc();
    counters.set_next_doc(doc + 1);
    std::string doc_value = origin;
    doc_value += body.record_id();
    batch->Put(keys::Doc(doc), doc_value);
    state->set_records(state->records() + 1);
  }
  CountRecord(body, +1, &counters);
  if (new_origin) counters.set_origins(counters.origins() + 1);
  const uint64_t change = counters.next_change();
  counters.set_next_change(change + 1);
  pending->counters_changed = true;

  storage::StoredRecord stored;
  *stored.mutable_signed_() = record.signed_record;
  stored.set_doc(doc);
  stored.set_change(change);
  stored.set_received_at_micros(absl::ToUnixMicros(clock_->Now()));

  put(hash_key, hash);
  batch->Put(keys::OriginSeq(keys::kSeq, origin, seq), body.record_id());
  std::string doc_key;
  keys::PutBE64(&doc_key, doc);
  batch->Put(keys::Change(change), doc_key);
  batch->Put(record_key, stored.SerializeAsString());
  pending->postings.Add(doc, plan.terms, /*remove=*/false);
  if (seq > state->max_sequence()) state->set_max_sequence(seq);
  keep_state();
  pending->records[record_key] = Pending::Record{&body, doc, change};
  return ApplyOutcome::kApplied;
}

absl::Status Store::AdvanceWatermark(absl::string_view origin, uint64_t from,
                                     uint64_t to) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = WritableLocked(); !s.ok()) return s;
  absl::StatusOr<storage::OriginState> state = GetOriginState(origin);
  if (!state.ok()) return state.status();
  if (state->blocked() || state->complete_through() < from ||
      state->complete_through() >= to) {
    return absl::OkStatus();
  }
  // Records that arrived ahead of the prefix (out of order) extend it too:
  // a seen sequence is held, or replaced by a newer version that is held.
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix = std::string(1, keys::kHash) + std::string(origin);
  for (it->Seek(keys::OriginSeq(keys::kHash, origin, to + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const uint64_t seq =
        keys::GetBE64(absl::string_view(it->key().data() + prefix.size(), 8));
    if (seq != to + 1) break;
    to = seq;
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  state->set_complete_through(to);
  if (to > state->max_sequence()) state->set_max_sequence(to);
  leveldb::WriteBatch batch;
  batch.Put(keys::Origin(origin), state->SerializeAsString());
  return WriteLocked(leveldb::WriteOptions(), &batch);
}

absl::StatusOr<bool> Store::Seen(absl::string_view origin,
                                 uint64_t sequence) const {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(),
               keys::OriginSeq(keys::kHash, origin, sequence), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromLevelDb(s);
  return true;
}

absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
Store::Origins() const {
  std::vector<std::pair<std::string, storage::OriginState>> out;
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, keys::kOrigin);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    storage::OriginState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("store: origin state is corrupt");
    }
    out.emplace_back(it->key().ToString().substr(1), std::move(state));
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  return out;
}

absl::StatusOr<Store::SequenceBatch> Store::RecordsAfter(
    absl::string_view origin, uint64_t after, uint64_t through,
    size_t max_records, size_t max_bytes) const {
  SequenceBatch batch;
  batch.last = after;
  if (after >= through) {
    batch.complete = true;
    return batch;
  }
  const std::string prefix = std::string(1, keys::kSeq) + std::string(origin);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  size_t bytes = 0;
  for (it->Seek(keys::OriginSeq(keys::kSeq, origin, after + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t seq =
        keys::GetBE64(absl::string_view(it->key().data() + prefix.size(), 8));
    if (seq > through) break;
    if (batch.records.size() >= max_records ||
        (bytes >= max_bytes && !batch.records.empty())) {
      return batch;  // Cut: (after, last] is complete, more remains.
    }
    absl::StatusOr<std::optional<StoredView>> view =
        Get(origin, absl::string_view(it->value().data(), it->value().size()));
    if (!view.ok()) return view.status();
    if (view->has_value()) {
      bytes += (*view)->stored.signed_().ByteSizeLong();
      batch.records.push_back((*view)->stored.signed_());
      batch.last_returned = seq;
    }
    batch.last = seq;
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  batch.last = through;
  batch.complete = true;
  return batch;
}

absl::StatusOr<uint64_t> Store::CountAfter(absl::string_view origin,
                                           uint64_t after,
                                           uint64_t through) const {
  uint64_t n = 0;
  const std::string prefix = std::string(1, keys::kSeq) + std::string(origin);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(keys::OriginSeq(keys::kSeq, origin, after + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (keys::GetBE64(absl::string_view(it->key().data() + prefix.size(), 8)) >
        through) {
      break;
    }
    ++n;
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  return n;
}

absl::StatusOr<uint64_t> Store::Block(absl::string_view origin) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = WritableLocked(); !s.ok()) return s;
  absl::StatusOr<storage::OriginState> state = GetOriginState(origin);
  if (!state.ok()) return state.status();
  // Refuse new records first, then purge in bounded batches.
  const bool known =
      state->records() > 0 || state->max_sequence() > 0 || state->blocked();
  state->set_blocked(true);
  state->set_complete_through(0);
  leveldb::WriteOptions wo;
  wo.sync = true;
  {
    leveldb::WriteBatch batch;
    batch.Put(keys::Origin(origin), state->SerializeAsString());
    storage::Counters counters = counters_;
    if (!known) {
      counters.set_origins(counters.origins() + 1);
      batch.Put(keys::kCounters, counters.SerializeAsString());
    }
    if (absl::Status s = WriteLocked(wo, &batch); !s.ok()) return s;
    counters_ = std::move(counters);
  }
  uint64_t purged = 0;
  const std::string record_prefix = keys::Record(origin, "");
  while (true) {
    leveldb::WriteBatch batch;
    storage::Counters counters = counters_;
    size_t in_batch = 0;
    internal::PostingOps postings;
    std::unique_ptr<leveldb::Iterator> it(
        db_->NewIterator(leveldb::ReadOptions()));
    for (it->Seek(record_prefix);
         it->Valid() && it->key().starts_with(record_prefix) && in_batch < 1000;
         it->Next(), ++in_batch) {
      storage::StoredRecord stored;
      v1::RecordBody body;
      if (absl::Status st = ParseRecordRow(it->value(), &stored, &body);
          !st.ok()) {
        return st;
      }
      batch.Delete(it->key());
      batch.Delete(keys::Doc(stored.doc()));
      batch.Delete(keys::OriginSeq(keys::kSeq, origin, body.sequence()));
      batch.Delete(keys::Change(stored.change()));
      postings.Add(stored.doc(), DeriveIndexTerms(body), /*remove=*/true);
      CountRecord(body, -1, &counters);
    }
    if (!it->status().ok()) return FromLevelDb(it->status());
    // The (origin, sequence) hashes go too, so that the records can be
    // fetched again after an unblock.
    if (in_batch == 0) {
      const std::string hash_prefix =
          std::string(1, keys::kHash) + std::string(origin);
      for (it->Seek(hash_prefix);
           it->Valid() && it->key().starts_with(hash_prefix); it->Next()) {
        batch.Delete(it->key());
      }
    }
    if (absl::Status st =
            postings.Write(db_.get(), counters_.next_doc(), &batch);
        !st.ok()) {
      return st;
    }
    state->set_records(state->records() -
                       std::min<uint64_t>(state->records(), in_batch));
    batch.Put(keys::Origin(origin), state->SerializeAsString());
    batch.Put(keys::kCounters, counters.SerializeAsString());
    if (absl::Status s = WriteLocked(wo, &batch); !s.ok()) return s;
    counters_ = std::move(counters);
    purged += in_batch;
    if (in_batch == 0) break;
    purges_.fetch_add(1, std::memory_order_release);
  }
  return purged;
}

absl::Status Store::Unblock(absl::string_view origin) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = WritableLocked(); !s.ok()) return s;
  absl::StatusOr<storage::OriginState> state = GetOriginState(origin);
  if (!state.ok()) return state.status();
  if (!state->blocked()) return absl::OkStatus();
  storage::OriginState fresh;
  fresh.set_forks(state->forks());
  fresh.set_first_fork_sequence(state->first_fork_sequence());
  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::WriteBatch batch;
  batch.Put(keys::Origin(origin), fresh.SerializeAsString());
  return WriteLocked(wo, &batch);
}

absl::StatusOr<std::optional<StoredView>> Store::GetDocAt(
    uint64_t doc, const leveldb::Snapshot* snapshot) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  leveldb::Status s = db_->Get(ro, keys::Doc(doc), &value);
  if (s.IsNotFound()) return std::optional<StoredView>();
  if (!s.ok()) return FromLevelDb(s);
  if (value.size() < crypto::kPublicKeySize) {
    return absl::DataLossError("store: document entry is corrupt");
  }
  return GetAt(absl::string_view(value).substr(0, crypto::kPublicKeySize),
               absl::string_view(value).substr(crypto::kPublicKeySize),
               snapshot);
}

absl::StatusOr<std::vector<StoredView>> Store::RecordsOfKind(
    v1::RecordBody::PayloadCase kind) const {
  const RecordKindInfo* info = FindRecordKind(kind);
  if (info == nullptr || info->index_letter == '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "store: records of kind ", static_cast<int>(kind), " are not listed"));
  }
  std::vector<StoredView> out;
  StoreSnapshot snapshot(*this);
  PostingCursor cursor(
      snapshot,
      PostingList::Filter(kFieldKind, std::string(1, info->index_letter)));
  for (; cursor.Valid(); cursor.Next()) {
    absl::StatusOr<std::optional<StoredView>> view =
        snapshot.GetDoc(cursor.doc());
    if (!view.ok()) return view.status();
    if (view->has_value()) out.push_back(**std::move(view));
  }
  if (absl::Status s = cursor.status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<std::string>> Store::GetAux(
    absl::string_view key) const {
  std::string value;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(),
               std::string(1, keys::kAux) + std::string(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromLevelDb(s);
  return std::optional<std::string>(std::move(value));
}

absl::Status Store::PutAux(absl::string_view key, absl::string_view value,
                           bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::WriteBatch batch;
  batch.Put(std::string(1, keys::kAux) + std::string(key),
            leveldb::Slice(value.data(), value.size()));
  absl::MutexLock lock(&mu_);
  return WriteLocked(wo, &batch);
}

absl::Status Store::DeleteAux(absl::string_view key, bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::WriteBatch batch;
  batch.Delete(std::string(1, keys::kAux) + std::string(key));
  absl::MutexLock lock(&mu_);
  return WriteLocked(wo, &batch);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Store::ScanAux(
    absl::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string full = std::string(1, keys::kAux) + std::string(prefix);
  std::unique_ptr<leveldb::Iterator> it(
      db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(full); it->Valid() && it->key().starts_with(full); it->Next()) {
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  return out;
}

absl::Status Store::Sync() {
  // A synced write flushes the log, including earlier unsynced writes.
  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::WriteBatch batch;
  batch.Put(keys::kSync, "");
  absl::MutexLock lock(&mu_);
  return WriteLocked(wo, &batch);
}

absl::Status Store::WriteLocked(const leveldb::WriteOptions& options,
                                leveldb::WriteBatch* batch) {
  if (absl::Status s = WritableLocked(); !s.ok()) return s;
  const leveldb::Status s = db_->Write(options, batch);
  if (s.ok()) return absl::OkStatus();
  // LevelDB may or may not have logged this batch, and goes on writing
  // after a log write that failed: later records would land behind a torn
  // one, where recovery drops them. Nothing more is written until a
  // restart recovers the log.
  failure_ = StoreFailure{clock_->Now(), FailureReason(s), s.ToString()};
  if (failure_observer_) failure_observer_(*failure_);
  return WritableLocked();
}

absl::Status Store::WritableLocked() const {
  return failure_.has_value() ? StoreReadOnlyError(*failure_)
                              : absl::OkStatus();
}

absl::Status Store::Writable() const {
  absl::MutexLock lock(&mu_);
  return WritableLocked();
}

std::optional<StoreFailure> Store::failure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

absl::StatusOr<std::optional<StoredView>> Store::GetAt(
    absl::string_view origin, absl::string_view record_id,
    const leveldb::Snapshot* snapshot) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  leveldb::Status s = db_->Get(ro, keys::Record(origin, record_id), &value);
  if (s.IsNotFound()) return std::optional<StoredView>();
  if (!s.ok()) return FromLevelDb(s);
  StoredView view;
  if (!view.stored.ParseFromString(value) ||
      !view.body.ParseFromString(view.stored.signed_().body())) {
    return absl::DataLossError(
        absl::StrCat("store: record ", record_id, " is corrupt"));
  }
  return std::optional<StoredView>(std::move(view));
}

absl::StatusOr<storage::OriginState> Store::GetOriginState(
    absl::string_view origin) const {
  std::string value;
  storage::OriginState state;
  leveldb::Status s =
      db_->Get(leveldb::ReadOptions(), keys::Origin(origin), &value);
  if (s.IsNotFound()) return state;
  if (!s.ok()) return FromLevelDb(s);
  if (!state.ParseFromString(value)) {
    return absl::DataLossError("store: origin state is corrupt");
  }
  return state;
}

storage::Counters Store::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

uint64_t Store::CacheBytes() const {
  std::string value;
  uint64_t bytes = 0;
  if (db_->GetProperty("leveldb.approximate-memory-usage", &value)) {
    (void)absl::SimpleAtoi(value, &bytes);
  }
  return bytes;
}

uint64_t Store::last_change() const {
  absl::MutexLock lock(&mu_);
  return counters_.next_change() - 1;
}

absl::StatusOr<Store::PostingMergeStep> Store::MergePostingBlocks(
    size_t max_blocks) {
  absl::MutexLock lock(&mu_);
  if (absl::Status st = WritableLocked(); !st.ok()) return st;
  leveldb::WriteBatch batch;
  absl::StatusOr<internal::MergeStep> step =
      internal::MergeSmallBlocks(db_.get(), max_blocks, &merge_cursor_, &batch);
  if (!step.ok()) return step.status();
  if (step->blocks_removed > 0) {
    if (absl::Status st = WriteLocked(leveldb::WriteOptions(), &batch);
        !st.ok()) {
      return st;
    }
  }
  return PostingMergeStep{step->blocks_read, step->blocks_removed,
                          step->pass_done};
}

absl::Status Store::CompactPostings(const std::function<bool()>& stop) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status st = WritableLocked(); !st.ok()) return st;
  }
  for (char tag : {keys::kText, keys::kFilter, keys::kGeo}) {
    for (int piece = 0; piece < 16 && !stop(); ++piece) {
      std::string begin(1, tag);
      std::string end(1, tag);
      begin.push_back(static_cast<char>(piece * 16));
      if (piece < 15) {
        end.push_back(static_cast<char>((piece + 1) * 16));
      } else {
        end = std::string(1, static_cast<char>(tag + 1));
      }
      // The first piece starts at the tag itself (keys of one byte, none
      // expected, are still covered).
      if (piece == 0) begin.resize(1);
      const leveldb::Slice b(begin), e(end);
      db_->CompactRange(&b, &e);
    }
  }
  return absl::OkStatus();
}

bool Store::WaitForChange(uint64_t after, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, after]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return counters_.next_change() - 1 > after;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

}  // namespace civhub::node
