// What matching reads of every live need and offer (their MatchSide), in
// memory, by document and by capability group, kept up to date by following
// the store's change log. Directory::Match ranks tens of thousands of
// candidates per query; reading and parsing each from the store cost ~5 µs,
// this costs ~0.15 µs (docs/performance.md, "Matching (issue 18)").
// Private to node/search.
//
// Built on first use from the kind postings of needs and offers (a record
// read each: about half a second per 100,000), then brought up to each query's
// snapshot from the change log (a record read per change since the last
// query). A purge (Store::Block) leaves no trace in the log: a change of
// Store::purges() starts it over. The index may be a moment ahead of a
// query's snapshot (another query caught it up further); callers read the
// records they return from their snapshot.
//
// Memory: about 370 bytes per need or offer (docs/performance.md).
//
// Thread-safe: CatchUp takes the writer lock, ForEachCandidate a reader
// lock.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_MATCH_INDEX_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_MATCH_INDEX_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/container/node_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "node/search/match_score.h"
#include "node/storage/snapshot.h"
#include "node/storage/store.h"

namespace civhub::node::internal {

class MatchIndex {
 public:
  struct Entry {
    uint64_t doc = 0;
    MatchSide side;
    bool need = false;
    const std::string* origin = nullptr;  // Key bytes; owned by the index.
    std::string record_id;
    // The keys it is listed under (MatchKey of each capability).
    absl::InlinedVector<uint32_t, 4> keys;
  };

  // `store` must outlive the index.
  explicit MatchIndex(const Store* store) : store_(store) {}
  MatchIndex(const MatchIndex&) = delete;
  MatchIndex& operator=(const MatchIndex&) = delete;

  // Brings the index up to at least `snap` (taken of the same store).
  // DATA_LOSS or INTERNAL as the store's reads; the index is then rebuilt
  // on the next call.
  absl::Status CatchUp(const StoreSnapshot& snap) ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `visit` once for each need (`need`) or offer (!`need`) listed
  // under any of `keys` (MatchKey of a capability), in no particular order,
  // until it returns false. Holds a reader lock: `visit` must not call the
  // index. Entries are valid only during the call.
  void ForEachCandidate(
      bool need, const std::vector<std::string>& keys,
      const std::function<bool(uint64_t doc, const Entry& entry)>& visit) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Needs and offers held; for tests.
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Clear() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the document's record as of `snap`: indexed if a live need or
  // offer, else forgotten.
  absl::Status Refresh(const StoreSnapshot& snap, uint64_t doc)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remove(uint64_t doc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t KeyId(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Store* const store_;
  mutable absl::Mutex mu_;
  bool built_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t through_change_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t purges_ ABSL_GUARDED_BY(mu_) = 0;
  // Node-based: the sets below point into it.
  absl::node_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Origins by key bytes; node-based so Entry::origin stays put.
  absl::node_hash_set<std::string> origins_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> key_ids_ ABSL_GUARDED_BY(mu_);
  // [need][key id]: the entries listed under the key.
  std::vector<absl::flat_hash_set<const Entry*>> by_key_[2] ABSL_GUARDED_BY(
      mu_);
};

// The key a capability's candidates are listed under: its group, or the
// code itself for one in no group ("x-" codes, codes of a newer list).
std::string MatchKey(absl::string_view capability);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_MATCH_INDEX_H_
