#include "node/storage/internal/posting_writes.h"

#include <memory>
#include <string>
#include <utility>

#include "crypto/keys.h"
#include "leveldb/write_batch.h"
#include "node/records/index_terms.h"
#include "node/records/text.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"
#include "node/storage/internal/posting_blocks.h"
#include "node/storage/internal/record_row.h"

namespace civhub::node::internal {
namespace {

// True if the store holds postings under another `version` than the one
// in `key` (or was written before the key existed).
absl::StatusOr<bool> IsStale(leveldb::DB* db, const char* key, int version) {
  std::string stored;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), key, &stored);
  if (s.ok()) return stored != std::to_string(version);
  if (!s.IsNotFound()) return FromLevelDb(s);
  return true;
}

// Deletes every key that starts with `tag`, in batches of a few MiB; adds
// the number deleted to `*deleted`.
absl::Status DeleteTag(leveldb::DB* db, char tag, uint64_t* deleted) {
  leveldb::WriteBatch batch;
  std::unique_ptr<leveldb::Iterator> it(
      db->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, tag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    batch.Delete(it->key());
    ++*deleted;
    if (batch.ApproximateSize() >= (4 << 20)) {
      if (absl::Status s = FromLevelDb(db->Write({}, &batch)); !s.ok()) {
        return s;
      }
      batch.Clear();
    }
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  return FromLevelDb(db->Write({}, &batch));
}

// Rebuilds the postings `rebuild` names from the records: search would
// otherwise miss what older rules never produced, and replacing a record
// would leave postings behind (it removes those its old body gives under
// the new rules); a store of another posting format (one key per
// posting) could not be read at all. Records are read in document order
// (through the document keys) so that postings are only ever appended,
// without a read, and blocks come out full. Written in batches
// of a few thousand records; interrupted, it starts over at the next
// open: the versions are written last.
absl::Status RebuildPostings(leveldb::DB* db, PostingRebuild* rebuild) {
  std::string tags;
  if (rebuild->text) tags += keys::kText;
  if (rebuild->filter) tags += keys::kFilter;
  if (rebuild->geo) tags += keys::kGeo;
  uint64_t deleted = 0;
  for (char tag : tags) {
    if (absl::Status s = DeleteTag(db, tag, &deleted); !s.ok()) return s;
  }
  internal::PostingOps ops;
  leveldb::WriteBatch batch;
  auto flush = [&]() -> absl::Status {
    // fresh_from 0: in document order, each document is past every block.
    if (absl::Status s = ops.Write(db, /*fresh_from=*/0, &batch); !s.ok()) {
      return s;
    }
    leveldb::Status w = db->Write(leveldb::WriteOptions(), &batch);
    batch.Clear();
    return FromLevelDb(w);
  };
  std::unique_ptr<leveldb::Iterator> it(
      db->NewIterator(leveldb::ReadOptions()));
  const std::string doc_prefix(1, keys::kDoc);
  std::string row;
  for (it->Seek(doc_prefix); it->Valid() && it->key().starts_with(doc_prefix);
       it->Next()) {
    const absl::string_view name(it->value().data(), it->value().size());
    if (name.size() < crypto::kPublicKeySize) {
      return absl::DataLossError("store: document entry is corrupt");
    }
    leveldb::Status s =
        db->Get(leveldb::ReadOptions(),
                keys::Record(name.substr(0, crypto::kPublicKeySize),
                             name.substr(crypto::kPublicKeySize)),
                &row);
    if (s.IsNotFound()) continue;  // The store check reports it.
    if (!s.ok()) return FromLevelDb(s);
    storage::StoredRecord stored;
    v1::RecordBody body;
    if (absl::Status st = ParseRecordRow(row, &stored, &body); !st.ok()) {
      return st;
    }
    IndexTerms all = DeriveIndexTerms(body);
    IndexTerms part;
    if (rebuild->text) part.tokens = std::move(all.tokens);
    if (rebuild->filter) part.filters = std::move(all.filters);
    if (rebuild->geo) part.points = std::move(all.points);
    rebuild->text_records += part.tokens.empty() ? 0 : 1;
    rebuild->filter_records += part.filters.empty() ? 0 : 1;
    ops.Add(stored.doc(), part, /*remove=*/false);
    if (ops.size() >= (1 << 18)) {
      if (absl::Status st = flush(); !st.ok()) return st;
    }
  }
  if (!it->status().ok()) return FromLevelDb(it->status());
  if (absl::Status st = ops.Write(db, /*fresh_from=*/0, &batch); !st.ok()) {
    return st;
  }
  batch.Put(keys::kTextIndexVersion, std::to_string(kTextIndexVersion));
  batch.Put(keys::kFilterIndexVersion, std::to_string(kFilterIndexVersion));
  batch.Put(keys::kPostingFormatVersion, std::to_string(keys::kPostingFormat));
  leveldb::WriteOptions wo;
  wo.sync = true;
  if (absl::Status st = FromLevelDb(db->Write(wo, &batch)); !st.ok()) {
    return st;
  }
  // The old postings are deletion markers now: compact them away at once
  // rather than have every search step over them (and the store hold
  // both) until LevelDB gets there. (Not for a new store: a compaction
  // starts LevelDB's background thread, which simulations must not.)
  if (deleted == 0) return absl::OkStatus();
  for (char tag : tags) {
    const std::string begin(1, tag), end(1, tag + 1);
    const leveldb::Slice begin_slice(begin), end_slice(end);
    db->CompactRange(&begin_slice, &end_slice);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PostingRebuild> RebuildPostingsIfStale(leveldb::DB* db) {
  PostingRebuild rebuild;
  absl::StatusOr<bool> format =
      IsStale(db, keys::kPostingFormatVersion, keys::kPostingFormat);
  absl::StatusOr<bool> text =
      IsStale(db, keys::kTextIndexVersion, kTextIndexVersion);
  absl::StatusOr<bool> filter =
      IsStale(db, keys::kFilterIndexVersion, kFilterIndexVersion);
  for (const absl::StatusOr<bool>* s : {&format, &text, &filter}) {
    if (!s->ok()) return s->status();
  }
  rebuild.geo = *format;
  rebuild.text = *format || *text;
  rebuild.filter = *format || *filter;
  if (!rebuild.text && !rebuild.filter) return rebuild;
  if (absl::Status s = RebuildPostings(db, &rebuild); !s.ok()) return s;
  return rebuild;
}

}  // namespace civhub::node::internal
