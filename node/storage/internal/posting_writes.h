// The posting blocks Store::Open rewrites: a store written under older
// index rules (text, filter) or another posting format (one key per
// posting, before blocks; keys::kPostingFormatVersion, "Mposting-format")
// has its postings rebuilt from its records. Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_POSTING_WRITES_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_POSTING_WRITES_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "leveldb/db.h"

namespace civhub::node::internal {

// Which postings were rebuilt, and how many records were reindexed.
struct PostingRebuild {
  bool text = false;
  bool filter = false;
  bool geo = false;  // Only with another posting format: all were relaid.
  uint64_t text_records = 0;
  uint64_t filter_records = 0;
};

// Rebuilds what is stale in `db`: the postings of rules that changed (text,
// filter; their version keys differ from kTextIndexVersion,
// kFilterIndexVersion), and all of them if the store holds another posting
// format. Returns what it rebuilt (nothing, for a current store). Must run
// before anything else reads or writes `db`. On error (DATA_LOSS for a
// corrupt record or document entry, an I/O error as FromLevelDb gives it)
// the versions are not written, so the next open starts over.
absl::StatusOr<PostingRebuild> RebuildPostingsIfStale(leveldb::DB* db);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_POSTING_WRITES_H_
