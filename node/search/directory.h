// Read-only queries over a Store: everything the public Directory service
// answers, as plain functions of protos and statuses (the gRPC service only
// translates). Every query reads one consistent snapshot of the store.
//
// Errors: INVALID_ARGUMENT naming the request field, NOT_FOUND for records
// the hub does not hold. Thread-safe.
#ifndef CIVHUB_NODE_SEARCH_DIRECTORY_H_
#define CIVHUB_NODE_SEARCH_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "node/base/clock.h"
#include "node/storage/store.h"

namespace civhub::node {

// Largest search text accepted, in bytes, and most words in it.
inline constexpr size_t kMaxSearchTextBytes = 256;
inline constexpr size_t kMaxSearchWords = 16;

// When a query gives up before its answer: at `deadline` (DEADLINE_EXCEEDED)
// or once `cancelled` returns true (CANCELLED: its client went away). Both
// are checked every few hundred candidates, on the querying thread, so a
// query stops within milliseconds. The default never stops.
// One batch of the Watch feed, gRPC (server/watch_streams) and HTTP
// (gateway/change_feed) alike: at most this many changes are read per
// ChangesAfter, and a response (or streamed piece) holds at most this many
// bytes unless a single change is larger.
inline constexpr size_t kWatchBatchRecords = 256;
inline constexpr size_t kWatchBatchBytes = 1 << 20;

struct QueryStop {
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> cancelled;
};

// Offset paging and a modification filter for Directory::SearchAt (the
// HSDS API's page/per_page and modified_after).
struct SearchPaging {
  // Matches to skip, in the order Search returns them. Not negative.
  int64_t offset = 0;
  // Only records whose issued_at (when their origin published the version
  // held) is at or after this. InfinitePast: every record.
  absl::Time modified_after = absl::InfinitePast();
  // The page's size when positive, beyond Search's cap of 100: for callers
  // that read a bounded set of matches whole (the HSDS API expands at most
  // 10,000 services into their locations). 0: the request's page_size.
  int64_t limit = 0;
};

// How Search counts a query's matches (total_count).
struct SearchOptions {
  // A query ranked in the order records were stored (filters alone, no
  // text, `near` or events by date) is counted exactly up to this many
  // matches; past that Search stops once its page is full and answers
  // total_count = this, total_count_is_lower_bound (docs/api.md). Lucene
  // counts to 1,000 by default, Elasticsearch to 10,000 (track_total_hits):
  // 10,000 is 500 pages of 20, and at about a microsecond a match it
  // bounds the count's cost at ~10 ms. Queries ranked by text, distance
  // or date read every match's key to rank, so their count stays exact.
  size_t exact_count_up_to = 10000;
};

namespace internal {
class MatchIndex;  // internal/match_index.h
}  // namespace internal

class Directory {
 public:
  // `store` and `clock` must outlive the Directory. The clock says when
  // needs and offers have expired (search and matching leave them out);
  // `options` how Search counts.
  explicit Directory(const Store* store, const Clock* clock = SystemClock(),
                     const SearchOptions& options = {});

  absl::StatusOr<v1::Record> GetRecord(
      const v1::GetRecordRequest& request) const;
  // A page of the records matching `request`, in the query's order
  // (docs/api.md, "Search"), and total_count: exact, unless a query in
  // store order (filters only) has more than the options' exact_count_up_to
  // matches; then counting stops there once the page is full, and the
  // response says total_count_is_lower_bound. The page is the same either
  // way.
  absl::StatusOr<v1::SearchResponse> Search(const v1::SearchRequest& request,
                                            const QueryStop& stop = {}) const;
  // Search with offset paging: the same matches in the same order as
  // Search, less those issued before paging.modified_after; the page holds
  // the matches at [offset, offset + page size) of them (request.page_size,
  // defaulted and capped as Search does), and total_count counts them all.
  // An offset past the end gives an empty page with the total. Never sets
  // next_page_token. INVALID_ARGUMENT as Search, and naming "page_token" if
  // the request has one (a page is chosen by offset here) or "offset" if it
  // is negative.
  //
  // Cost: Search's, and with modified_after one record read per match
  // (issued_at is not indexed), under the same stop checks; without it,
  // reads only the page's records. Offsets cost as much as the pages they
  // skip: every match is ranked on every call.
  absl::StatusOr<v1::SearchResponse> SearchAt(const v1::SearchRequest& request,
                                              const SearchPaging& paging,
                                              const QueryStop& stop = {}) const;

  // The live records of `kind` whose HSDS id (node/records/hsds_ids.h) is
  // `hsds_id`, in any case: the record's own (HsdsId of its origin and
  // record id; an "hsds-<uuid>" record id gives that uuid) and, for a
  // service, also the id of each of its service_at_location rows. Ordered
  // by origin key bytes, then record id. Several hubs may hold records with
  // one id (each importing the same HSDS data keeps its ids). Empty if none.
  // INVALID_ARGUMENT naming "id" if `hsds_id` is not a UUID, "kind" if the
  // kind has no HSDS object (RecordKindInfo::hsds_object). Costs one posting
  // lookup and a record read per record found.
  absl::StatusOr<std::vector<v1::Record>> FindByHsdsId(
      absl::string_view hsds_id, v1::RecordKind kind) const;

  // The distinct values of filter field `field` (kField* in
  // node/records/index_terms.h, such as kFieldTopic) held by live records,
  // starting with `prefix`, in byte order: at most `max`. Costs one index
  // seek per value returned. Used to list the local "x-" topics a hub holds.
  absl::StatusOr<std::vector<std::string>> FilterValues(
      char field, absl::string_view prefix, size_t max) const;

  // The other side's records ranked for a need, an offer or ad-hoc
  // criteria (docs/matchmaking.md, "Matching"): offers for a need, needs
  // for an offer, each passing the hard filters of ScoreMatch
  // (match_score.h) now, best score first, ties by origin key bytes
  // then record id (the same order on every hub). Candidates are the
  // records of the other kind listed under the group of one of the
  // subject's capabilities (internal/match_index.h). total_count counts
  // every record passing the filters; the page token resumes after the last
  // hit with the `now` of the first page, so pages do not shift as time
  // passes.
  //
  // Errors: INVALID_ARGUMENT naming the field ("need.origin: ...",
  // "criteria.mode: ...", "page_token: ..."), also for a subject of
  // another kind ("need: ... is an organization, not a need"); NOT_FOUND
  // for a subject the hub does not hold or that was deleted;
  // FAILED_PRECONDITION for a subject that is not open or has expired.
  // Cost: the first call reads every need and offer into memory (about half a
  // second per 100,000; internal/match_index.h), later calls the changes
  // since; then about 0.15 µs per candidate (every record of the other kind
  // sharing a capability group with the subject), under `stop`'s checks,
  // and a record read per hit.
  absl::StatusOr<v1::MatchResponse> Match(const v1::MatchRequest& request,
                                          const QueryStop& stop = {}) const {
    return MatchAt(request, clock_->Now(), stop);
  }
  // Match as of `now` (the clock's time for Match).
  absl::StatusOr<v1::MatchResponse> MatchAt(const v1::MatchRequest& request,
                                            absl::Time now,
                                            const QueryStop& stop = {}) const;

  absl::StatusOr<v1::ListMembersResponse> ListMembers(
      const v1::ListMembersRequest& request) const;
  absl::StatusOr<v1::ListCommunitiesResponse> ListCommunities(
      const v1::ListCommunitiesRequest& request) const;

  // Up to `max` changes with cursor > `after_cursor`, in cursor order. Only
  // each record's latest version is listed, at the cursor of that version.
  absl::StatusOr<std::vector<v1::Change>> ChangesAfter(uint64_t after_cursor,
                                                       size_t max) const;

  // The client-facing form of a stored record; the second takes the
  // view's messages rather than copying them.
  static v1::Record ToRecord(const StoredView& view);
  static v1::Record ToRecord(StoredView&& view);

 private:
  const Store* const store_;
  const Clock* const clock_;
  const SearchOptions options_;
  // Matching's view of the needs and offers; shared so Directory stays
  // copyable.
  std::shared_ptr<internal::MatchIndex> match_index_;
};

// Parses and checks a RecordRef's fields; `field` prefixes errors
// ("member_of.origin: ...").
absl::Status CheckRecordRef(const v1::RecordRef& ref, absl::string_view field,
                            std::string* origin_bytes);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_SEARCH_DIRECTORY_H_
