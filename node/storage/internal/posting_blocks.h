// Posting lists stored as blocks: the key of a block is its list's prefix
// (keys::TextPrefix, FilterPrefix, GeoCellPrefix) and the last document it
// holds, BE64; the value is its postings in document order, so that one
// Seek(prefix + BE64(doc)) lands on the only block that can hold `doc`.
// docs/architecture.md, "Storage layout", describes the same. Private to
// node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_POSTING_BLOCKS_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_POSTING_BLOCKS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "node/records/index_terms.h"
#include "node/storage/internal/block_reader.h"

namespace civhub::node::internal {

// Most postings a block holds: enough to make a key carry many postings,
// few enough that rewriting a block for one change stays cheap (a block of
// text or filter postings is ~0.5-1 KB; of geo postings ~2.5 KB).
size_t MaxBlockPostings(char tag);

// Block value: varint count, then per posting the varint document delta
// (from 0 for the first) and the payload.
void EncodeBlock(const Posting* postings, size_t n, size_t payload_size,
                 std::string* out);

// The count of postings a block says it holds (its first varint); false if
// it does not start with one.
bool BlockCount(absl::string_view value, uint64_t* n);

// Decodes a whole block; false if it is malformed.
bool DecodeBlock(absl::string_view value, size_t payload_size, uint64_t last,
                 bool repeats, std::vector<Posting>* out);

// Calls `fn(list, posting)` for every posting `terms` give `doc`, in the
// order of IndexTerms.
void ForEachPosting(
    uint64_t doc, const IndexTerms& terms,
    const std::function<void(const std::string& list, const Posting&)>& fn);

// The posting changes of a batch of records, list by list, in the order
// they were made; Write turns them into block writes.
class PostingOps {
 public:
  // Adds (or, with `remove`, removes) `doc`'s postings of `terms`. A
  // removal removes every posting of `doc` in each list `terms` names.
  void Add(uint64_t doc, const IndexTerms& terms, bool remove);
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Adds to `batch` the block writes that make `db` (as it is now, without
  // `batch`) hold the changes: each block a change falls in is read once
  // and rewritten (split at MaxBlockPostings, deleted once empty);
  // documents from `fresh_from` on, which no block holds yet (the batch's
  // new records), go into new blocks after the list's last without a
  // read. Clears the ops. DATA_LOSS if a block to change is malformed; an
  // I/O error as FromLevelDb gives it.
  absl::Status Write(leveldb::DB* db, uint64_t fresh_from,
                     leveldb::WriteBatch* batch);

 private:
  struct Op {
    uint64_t doc;
    bool remove;
    Posting posting;
  };
  // A document's change in one list: the batch's last removal, if any
  // (`replace`: its postings there go), and the postings added after it.
  struct DocChange {
    uint64_t doc;
    bool replace;
    size_t adds_begin, adds_end;  // Into the list's ops, sorted.
  };
  absl::Status WriteList(leveldb::Iterator* it, const std::string& list,
                         const std::vector<Op>& ops,
                         const std::vector<DocChange>& changes,
                         uint64_t fresh_from, leveldb::WriteBatch* batch);
  static void Merge(const std::vector<Posting>& old, char tag,
                    const std::vector<Op>& ops, const DocChange* begin,
                    const DocChange* end, std::vector<Posting>* out);

  // Each list's ops in the order they were made: a list's name is kept
  // once, however many of the batch's documents it gets (a batch of 500
  // records makes about 15,000 postings in a few thousand lists).
  absl::flat_hash_map<std::string, std::vector<Op>> lists_;
  size_t size_ = 0;
};

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_POSTING_BLOCKS_H_
