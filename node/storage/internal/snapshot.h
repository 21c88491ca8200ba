// RAII for LevelDB snapshots. Private to node/.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_SNAPSHOT_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_SNAPSHOT_H_

#include "leveldb/db.h"

namespace civhub::node::internal {

class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(leveldb::DB* db)
      : db_(db), snap_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snap_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;

  const leveldb::Snapshot* get() const { return snap_; }
  leveldb::ReadOptions options() const {
    leveldb::ReadOptions ro;
    ro.snapshot = snap_;
    return ro;
  }

 private:
  leveldb::DB* const db_;
  const leveldb::Snapshot* const snap_;
};

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_SNAPSHOT_H_
