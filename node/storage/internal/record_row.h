// Reading a record row (keys::Record's value). Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_RECORD_ROW_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_RECORD_ROW_H_

#include "absl/status/status.h"
#include "civhub/storage/storage.pb.h"
#include "civhub/v1/record.pb.h"
#include "leveldb/slice.h"

namespace civhub::node::internal {

// Parses a record row's value and the body inside it. DATA_LOSS if either
// does not parse.
inline absl::Status ParseRecordRow(leveldb::Slice value,
                                   storage::StoredRecord* stored,
                                   v1::RecordBody* body) {
  if (!stored->ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      !body->ParseFromString(stored->signed_().body())) {
    return absl::DataLossError("store: record is corrupt");
  }
  return absl::OkStatus();
}

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_RECORD_ROW_H_
