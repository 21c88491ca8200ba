#include "node/storage/snapshot.h"

#include "leveldb/db.h"

namespace civhub::node {

StoreSnapshot::StoreSnapshot(const Store& store)
    : store_(store), snapshot_(store.db_->GetSnapshot()) {}

StoreSnapshot::~StoreSnapshot() { store_.db_->ReleaseSnapshot(snapshot_); }

}  // namespace civhub::node
