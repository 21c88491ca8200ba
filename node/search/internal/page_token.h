// Opaque page tokens: where the previous page ended, bound to the query
// that produced it. Private to node/.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_PAGE_TOKEN_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace civhub::node::internal {

struct PagePosition {
  double key = 0;   // Sort key of the last item returned (score, distance...).
  uint64_t id = 0;  // Tie-breaker of the last item returned (doc or index).
};

// A fingerprint of `request` with its page fields cleared, so that a token
// can only continue the query it came from.
// Page tokens hold their integers big-endian: appends `v`'s 8 bytes to
// `out`; reads them from the first 8 bytes of `in` (which has at least 8).
void PutBE64(std::string* out, uint64_t v);
uint64_t GetBE64(absl::string_view in);

uint64_t QueryFingerprint(google::protobuf::Message* request_copy);

std::string EncodePageToken(uint64_t query, const PagePosition& position);

// INVALID_ARGUMENT naming "page_token" if `token` was not issued by
// EncodePageToken or belongs to another query.
absl::StatusOr<PagePosition> DecodePageToken(absl::string_view token,
                                             uint64_t query);

// Page size: 0 means kDefaultPageSize, larger than kMaxPageSize is capped,
// negative is INVALID_ARGUMENT naming "page_size".
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
absl::StatusOr<int> EffectivePageSize(int32_t requested);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_PAGE_TOKEN_H_
