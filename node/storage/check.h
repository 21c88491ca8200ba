// A full consistency check of a hub's store, for operators after a crash or
// a disk problem (`civhubd --check`, `civhubctl check`): every stored
// signature is verified again, and every index is cross-checked against the
// records it was derived from, in both directions.
#ifndef CIVHUB_NODE_STORAGE_CHECK_H_
#define CIVHUB_NODE_STORAGE_CHECK_H_

#include "absl/status/statusor.h"
#include "civhub/v1/admin.pb.h"
#include "node/storage/store.h"

namespace civhub::node {

// Reads one snapshot of `store`: safe while the hub serves and
// writes. A non-OK status only if the store cannot be read at all; what
// is wrong with its contents is in the report's problems (the first 100,
// each naming the key or record involved; problem_count has them all).
// The cross-check compares digests of what the records imply and what the
// store holds, without a random read; only if something is found, or the
// digests differ, does a second pass (on a new snapshot) read each entry
// back to name the problems (a damaged store takes about three times as
// long).
absl::StatusOr<v1::CheckReport> CheckStore(const Store& store);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_CHECK_H_
