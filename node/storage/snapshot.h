// A consistent read of a Store: every read through one StoreSnapshot sees
// the store as it was when the snapshot was taken, whatever is written
// after. Directory queries and the store check each read one.
#ifndef CIVHUB_NODE_STORAGE_SNAPSHOT_H_
#define CIVHUB_NODE_STORAGE_SNAPSHOT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/storage/store.h"

namespace civhub::node {

// Thread-safe: const methods may run concurrently. Cheap to take (no copy
// of the data), but holds back the store's compaction of what was
// overwritten since: keep it for one query.
class StoreSnapshot {
 public:
  // `store` must outlive the snapshot.
  explicit StoreSnapshot(const Store& store);
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;
  ~StoreSnapshot();

  // Store::Get and Store::GetDoc, as of the snapshot. DATA_LOSS if the
  // record is corrupt, INTERNAL for an I/O error.
  absl::StatusOr<std::optional<StoredView>> Get(
      absl::string_view origin, absl::string_view record_id) const {
    return store_.GetAt(origin, record_id, snapshot_);
  }
  absl::StatusOr<std::optional<StoredView>> GetDoc(uint64_t doc) const {
    return store_.GetDocAt(doc, snapshot_);
  }

 private:
  friend class PostingCursor;
  friend class ChangeCursor;
  friend absl::StatusOr<std::vector<std::string>> ListFilterValues(
      const StoreSnapshot& snapshot, char field, absl::string_view prefix,
      size_t max);

  const Store& store_;
  const leveldb::Snapshot* const snapshot_;
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_SNAPSHOT_H_
