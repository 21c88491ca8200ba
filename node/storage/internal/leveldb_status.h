// The one place a leveldb::Status becomes an absl::Status.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_LEVELDB_STATUS_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_LEVELDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "leveldb/status.h"

namespace civhub::node::internal {

inline absl::Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(s.ToString());
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat("store: ", s.ToString()));
  }
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(s.ToString());
  // Not UNAVAILABLE: that means "cannot reach the hub" to its clients, and
  // retrying does not help an I/O error. (A failed write never gets here:
  // Store::WriteLocked turns it into the read-only error.)
  return absl::InternalError(absl::StrCat("store: ", s.ToString()));
}

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_LEVELDB_STATUS_H_
