// Merging a posting list's adjacent small blocks into full ones.
//
// A record applied on its own, or in a short run, appends one small block
// per list it is in (PostingOps::Write appends new documents without a
// read, which keeps writes cheap), so a hub that grew by publishes and
// replication holds many blocks of one or a few postings: a filter query
// then reads a LevelDB entry per posting. MergeSmallBlocks walks the
// posting lists in key order, a bounded step at a time, and rewrites each
// run of adjacent blocks of one list that fit in one block as that block,
// keyed by its last document (so the run's last key is overwritten and the
// others deleted). The LSM-tree way: writes stay appends, a background
// pass makes reads cheap again. Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_POSTING_MERGE_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_POSTING_MERGE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace leveldb {
class DB;
class WriteBatch;
}  // namespace leveldb

namespace civhub::node::internal {

struct MergeStep {
  uint64_t blocks_read = 0;
  // Blocks that the step's writes remove (each merged run of n blocks
  // removes n - 1).
  uint64_t blocks_removed = 0;
  // True once the walk passed the last posting list; the next step starts
  // again from the first.
  bool pass_done = false;
};

// Reads at most about `max_blocks` posting blocks from `*cursor` (empty:
// the first list) and adds to `batch` the writes that merge each run of
// adjacent blocks of one list whose postings fit in one block
// (MaxBlockPostings). Leaves in `*cursor` where the next step starts. The
// caller must keep every other writer out until `batch` is written, as the
// merged blocks are read from `db` as it is. A malformed block is left as
// it is, with its neighbours (`civhubctl check` names it); an I/O error is
// returned as FromLevelDb gives it.
absl::StatusOr<MergeStep> MergeSmallBlocks(leveldb::DB* db, size_t max_blocks,
                                           std::string* cursor,
                                           leveldb::WriteBatch* batch);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_POSTING_MERGE_H_
