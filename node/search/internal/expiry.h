// Expired needs and offers leave search and matching: a need or an offer
// whose expires_at is at or before the query's now is not found, though its
// record stays in the store and replicates. The index does not depend on
// the clock (the store check re-derives it from the bodies alone): needs
// and offers have a posting for the UTC day they expire on (kFieldExpires),
// and queries read those of the days to come. Private to node/search.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_EXPIRY_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_EXPIRY_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/storage/snapshot.h"

namespace civhub::node::internal {

// The documents of the needs and offers that have not expired at `now`,
// sorted. Cost: one posting seek per day from now's to the latest expiry a
// record can have (validate.h: kMaxExpiry after an issued_at at most
// kMaxClockSkew ahead), the postings of those days, and a record read for
// each that expires on now's day; two seeks when the store holds no needs
// or offers.
absl::StatusOr<std::vector<uint64_t>> UnexpiredNeedsAndOffers(
    const StoreSnapshot& snapshot, absl::Time now);

// Whether the store holds any need or offer (two seeks): if not, no match
// can have expired.
absl::StatusOr<bool> HoldsNeedsOrOffers(const StoreSnapshot& snapshot);

// Removes from `docs` (sorted, unique) the needs and offers expired at
// `now`. Cost: two seeks when the store holds no needs or offers; for a
// few hundred documents, two seeks each and a record read per need or
// offer among them; for more, UnexpiredNeedsAndOffers's and a scan of
// every need and offer posting.
absl::Status DropExpired(const StoreSnapshot& snapshot, absl::Time now,
                         std::vector<uint64_t>* docs);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_EXPIRY_H_
