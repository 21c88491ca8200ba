#include "node/store.h"

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "leveldb/write_batch.h"
#include "node/index_terms.h"
#include "node/internal/keys.h"
#include "node/internal/leveldb_status.h"

namespace civhub::node {
namespace {

using internal::FromLevelDb;

constexpr char kCountersKey[] = "Mcounters";
// Bytes of the body hash kept per (origin, sequence): enough to tell two
// bodies apart, which is all fork detection needs.
constexpr size_t kBodyHashBytes = 16;

}  // namespace

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
  lo.write_buffer_size = 16 << 20;
  lo.max_file_size = 8 << 20;
  if (options.env != nullptr) lo.env = options.env;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, options.path, &raw);
  if (!s.ok()) {
    absl::Status st = FromLevelDb(s);
    return absl::Status(
        st.code(), absl::StrCat("cannot open store at ", options.path, ": ",
                                st.message()));
  }
  std::unique_ptr<leveldb::DB> db(raw);

  storage::Counters counters;
  std::string value;
  s = db->Get(leveldb::ReadOptions(), kCountersKey, &value);
  if (s.ok()) {
    if (!counters.ParseFromString(value)) {
      return absl::DataLossError("store: counters are corrupt");
    }
  } else if (!s.IsNotFound()) {
    return FromLevelDb(s);
  }
  if (counters.next_doc() == 0) counters.set_next_doc(1);
  if (counters.next_change() == 0) counters.set_next_change(1);
  return std::unique_ptr<Store>(new Store(options, std::move(db),
                                          std::move(cache), std::move(filter),
                                          std::move(counters)));
}

absl::StatusOr<ApplyOutcome> Store::Apply(const crypto::VerifiedRecord& record,
                                          bool sync) {
  absl::MutexLock lock(&mu_);
  return ApplyLocked(record, sync);
}

absl::StatusOr<ApplyOutcome> Store::ApplyLocked(
    const crypto::VerifiedRecord& record, bool sync) {
  const v1::RecordBody& body = record.body;
  const std::string& origin = body.origin();
  const uint64_t seq = body.sequence();
  const std::string hash =
      crypto::Sha256(record.signed_record.body()).substr(0, kBodyHashBytes);
  leveldb::ReadOptions ro;
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::WriteBatch batch;

  absl::StatusOr<storage::OriginState> state = GetOriginState(origin);
  if (!state.ok()) return state.status();
  const bool new_origin = state->max_sequence() == 0 && state->records() == 0;

  // Keeps `record` as evidence that its origin signed two bodies for one
  // sequence (or one version), without applying it.
  auto keep_fork = [&]() -> absl::StatusOr<ApplyOutcome> {
    std::string key = keys::OriginSeq(keys::kFork, origin, seq);
    key += hash;
    std::string ignored;
    leveldb::Status s = db_->Get(ro, key, &ignored);
    if (s.ok()) return ApplyOutcome::kFork;  // Evidence already kept.
    if (!s.IsNotFound()) return FromLevelDb(s);
    batch.Put(key, record.signed_record.SerializeAsString());
    state->set_forks(state->forks() + 1);
    if (state->first_fork_sequence() == 0 ||
        seq < state->first_fork_sequence()) {
      state->set_first_fork_sequence(seq);
    }
    batch.Put(keys::Origin(origin), state->SerializeAsString());
    if (absl::Status st = FromLevelDb(db_->Write(wo, &batch)); !st.ok()) {
      return st;
    }
    return ApplyOutcome::kFork;
  };

  std::string seen_hash;
  const std::string hash_key = keys::OriginSeq(keys::kHash, origin, seq);
  leveldb::Status s = db_->Get(ro, hash_key, &seen_hash);
  if (s.ok()) {
    return seen_hash == hash
               ? absl::StatusOr<ApplyOutcome>(ApplyOutcome::kDuplicate)
               : keep_fork();
  }
  if (!s.IsNotFound()) return FromLevelDb(s);

  absl::StatusOr<std::optional<StoredView>> existing =
      Get(origin, body.record_id());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    const v1::RecordBody& old = (*existing)->body;
    if (old.version() == body.version() ||
        (old.version() < body.version() && old.sequence() >= seq)) {
      // Same version with another body, or a newer version that goes back in
      // sequence: the origin contradicts itself.
      return keep_fork();
    }
    if (old.version() > body.version()) {
      // An older version we never saw: remember its hash so a conflicting
      // body for the same sequence is recognised later.
      batch.Put(hash_key, hash);
      if (seq > state->max_sequence()) {
        // Cannot happen for an honest origin (a newer version has a higher
        // sequence); treat it as contradiction.
        batch.Clear();
        return keep_fork();
      }
      if (absl::Status st = FromLevelDb(db_->Write(wo, &batch)); !st.ok()) {
        return st;
      }
      return ApplyOutcome::kStale;
    }
  }

  // Apply: replace the old version, if any, and its index entries.
  storage::Counters counters = counters_;
  uint64_t doc;
  if (existing->has_value()) {
    const StoredView& old = **existing;
    doc = old.stored.doc();
    batch.Delete(keys::OriginSeq(keys::kSeq, origin, old.body.sequence()));
    batch.Delete(keys::Change(old.stored.change()));
    WriteIndexEntries(doc, DeriveIndexTerms(old.body), /*remove=*/true, &batch);
    switch (old.body.payload_case()) {
      case v1::RecordBody::kOrganization:
        counters.set_organizations(counters.organizations() - 1);
        break;
      case v1::RecordBody::kCommunity:
        counters.set_communities(counters.communities() - 1);
        break;
      default:
        counters.set_tombstones(counters.tombstones() - 1);
        break;
    }
  } else {
    doc = counters.next_doc();
    counters.set_next_doc(doc + 1);
    std::string doc_value = origin;
    doc_value += body.record_id();
    batch.Put(keys::Doc(doc), doc_value);
    state->set_records(state->records() + 1);
  }
  switch (body.payload_case()) {
    case v1::RecordBody::kOrganization:
      counters.set_organizations(counters.organizations() + 1);
      break;
    case v1::RecordBody::kCommunity:
      counters.set_communities(counters.communities() + 1);
      break;
    default:
      counters.set_tombstones(counters.tombstones() + 1);
      break;
  }
  if (new_origin) counters.set_origins(counters.origins() + 1);
  const uint64_t change = counters.next_change();
  counters.set_next_change(change + 1);

  storage::StoredRecord stored;
  *stored.mutable_signed_() = record.signed_record;
  stored.set_doc(doc);
  stored.set_change(change);
  stored.set_received_at_micros(absl::ToUnixMicros(clock_->Now()));

  batch.Put(hash_key, hash);
  batch.Put(keys::OriginSeq(keys::kSeq, origin, seq), body.record_id());
  std::string doc_key;
  keys::PutBE64(&doc_key, doc);
  batch.Put(keys::Change(change), doc_key);
  batch.Put(keys::Record(origin, body.record_id()), stored.SerializeAsString());
  WriteIndexEntries(doc, DeriveIndexTerms(body), /*remove=*/false, &batch);
  if (seq > state->max_sequence()) state->set_max_sequence(seq);
  batch.Put(keys::Origin(origin), state->SerializeAsString());
  batch.Put(kCountersKey, counters.SerializeAsString());

  if (absl::Status st = FromLevelDb(db_->Write(wo, &batch)); !st.ok())
    return st;
  counters_ = std::move(counters);
  return ApplyOutcome::kApplied;
}

absl::Status Store::Sync() {
  // A synced write flushes the log, including earlier unsynced writes.
  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::WriteBatch batch;
  batch.Put("Msync", "");
  return FromLevelDb(db_->Write(wo, &batch));
}

absl::StatusOr<std::optional<StoredView>> Store::Get(
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

uint64_t Store::last_change() const {
  absl::MutexLock lock(&mu_);
  return counters_.next_change() - 1;
}

bool Store::WaitForChange(uint64_t after, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, after]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return counters_.next_change() - 1 > after;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

uint64_t Store::ApproximateBytes() const {
  leveldb::Range all(leveldb::Slice("\x00", 1), leveldb::Slice("\xff"));
  uint64_t size = 0;
  db_->GetApproximateSizes(&all, 1, &size);
  return size;
}

}  // namespace civhub::node
