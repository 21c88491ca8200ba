// Search requests' checks: each refusal names the field and says what
// to give instead. Private to node/search.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_SEARCH_CHECKS_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_SEARCH_CHECKS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "civhub/v1/directory.pb.h"
#include "node/records/taxonomy.h"
#include "node/storage/snapshot.h"

namespace civhub::node::internal {

// Checks what needs no store: sizes, UTF-8, codes' forms, ranges.
// INVALID_ARGUMENT naming the field.
absl::Status CheckSearchRequest(const v1::SearchRequest& r);

// A topic or organization type that is neither on this hub's list nor an
// "x-" extension is refused (a typo must not answer "nothing found"),
// unless a record here carries it: hubs with a newer list publish codes
// this one does not know yet, and those stay searchable.
absl::Status CheckTaxonomyCode(const StoreSnapshot& snap, char index_field,
                               absl::string_view field, absl::string_view code,
                               absl::Span<const TaxonomyTerm> terms,
                               absl::string_view what);

// A search naming a record (organization=, event=) that this hub never
// held matches nothing; said (NOT_FOUND), since an empty answer reads as
// "nobody registered" when the reference was mistyped. A deleted record is
// held (its tombstone): records naming it may still be live.
absl::Status CheckNamedRecord(const StoreSnapshot& snap,
                              absl::string_view field,
                              const std::string& origin,
                              const v1::RecordRef& ref,
                              v1::RecordBody::PayloadCase kind);

// A capability that is neither listed nor "x-" is refused, with
// suggestions, unless a record here carries it (a newer list's code).
absl::Status CheckCapabilityCode(const StoreSnapshot& snap,
                                 absl::string_view code);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_SEARCH_CHECKS_H_
