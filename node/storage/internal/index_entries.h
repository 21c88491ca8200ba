// The postings (index entries) of a record: IndexTerms laid out as the keys
// of keys.h. Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_INDEX_ENTRIES_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_INDEX_ENTRIES_H_

#include <cstdint>

#include "leveldb/write_batch.h"
#include "node/records/index_terms.h"

namespace civhub::node::internal {

// Adds (or, with `remove`, deletes) the postings of `terms` for `doc`.
void WriteIndexEntries(uint64_t doc, const IndexTerms& terms, bool remove,
                       leveldb::WriteBatch* batch);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_INDEX_ENTRIES_H_
