// Intersecting a search's clauses. Each condition of a query is a sorted
// list of document numbers (a clause); the intersection steps them by
// leapfrog (each cursor seeks to the largest current document) and yields
// the matches in document order. A query ranked in document order counts
// its matches only up to a cap (SearchOptions::exact_count_up_to), and
// stops once its page is full. Private to node/search.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_INTERSECTION_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_INTERSECTION_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/search/internal/stopper.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node::internal {

// A condition of a query as a cursor over its documents, in document
// order. Not thread-safe: one query's.
class Clause {
 public:
  virtual ~Clause() = default;
  virtual bool Valid() const = 0;
  virtual uint64_t doc() const = 0;
  // Moves to the first document >= target.
  virtual void Seek(uint64_t target) = 0;
  virtual void Next() = 0;
  // Lazy clauses cost more per step; intersect the materialized ones first.
  virtual bool materialized() const = 0;
  // How many documents the clause holds, if known without reading it
  // (materialized clauses); SIZE_MAX otherwise.
  virtual size_t size() const = 0;
};

// A posting list of the store, in document order, read as it goes.
class PostingClause : public Clause {
 public:
  PostingClause(const StoreSnapshot& snap, PostingList list)
      : cursor_(snap, std::move(list)) {}
  bool Valid() const override { return cursor_.Valid(); }
  uint64_t doc() const override { return cursor_.doc(); }
  // Moves to the first document >= target: steps a few postings first,
  // and seeks only if they do not reach it (how many adapts).
  void Seek(uint64_t target) override;
  void Next() override { cursor_.Next(); }
  bool materialized() const override { return false; }
  size_t size() const override { return SIZE_MAX; }
  absl::Status status() const { return cursor_.status(); }

 private:
  static constexpr int kMaxStepsBeforeSeek = 8;
  PostingCursor cursor_;
  int steps_ = kMaxStepsBeforeSeek;
};

// A sorted, de-duplicated list of documents with a value per document.
class ListClause : public Clause {
 public:
  explicit ListClause(std::vector<std::pair<uint64_t, double>> docs)
      : docs_(std::move(docs)) {}
  bool Valid() const override { return pos_ < docs_.size(); }
  uint64_t doc() const override { return docs_[pos_].first; }
  double value() const { return docs_[pos_].second; }
  // Gallops from the current document: in an intersection of lists of
  // similar size the target is mostly at or just past it, where a binary
  // search of the whole rest would cost log n each time.
  void Seek(uint64_t target) override;
  void Next() override { ++pos_; }
  bool materialized() const override { return true; }
  size_t size() const override { return docs_.size(); }

 private:
  std::vector<std::pair<uint64_t, double>> docs_;
  size_t pos_ = 0;
};

// Sorts by document and keeps, per document, the value `better` prefers.
template <typename Better>
std::vector<std::pair<uint64_t, double>> Normalize(
    std::vector<std::pair<uint64_t, double>> docs, Better better) {
  std::sort(docs.begin(), docs.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : better(a.second, b.second);
  });
  docs.erase(std::unique(docs.begin(), docs.end(),
                         [](const auto& a, const auto& b) {
                           return a.first == b.first;
                         }),
             docs.end());
  return docs;
}

// The same for `docs` made of runs ascending by document one after another
// (each word's postings, in document order), keeping per document the
// greatest value. Merges the runs, smallest first: linear for one run, and
// n log k for k runs where sorting the concatenation costs n log n.
std::vector<std::pair<uint64_t, double>> MergeRunsKeepingMax(
    std::vector<std::pair<uint64_t, double>> docs);

// A match: its document and what ranks it.
struct Found {
  uint64_t doc;
  double key;  // Ascending sort key: distance, or minus the text score.
  double distance = -1;
};

// The order of a query's results: by key, then by document.
inline bool Before(const Found& a, const Found& b) {
  return a.key != b.key ? a.key < b.key : a.doc < b.doc;
}

// The clauses of a checked query, ready to intersect, and what ranks its
// matches. Movable: the clauses live on the heap.
struct QueryPlan {
  std::vector<std::unique_ptr<Clause>> clauses;
  // The clauses in the order the intersection steps them.
  std::vector<Clause*> order;
  std::vector<ListClause*> text_clauses;
  ListClause* geo_clause = nullptr;
  std::vector<PostingClause*> postings;
  // Needs or offers may match: expired ones are left out after matching.
  bool may_expire = false;
  // Events ranked by their next occurrence (every match's record is read).
  bool events_by_date = false;

  // Whether matches are ranked in the order the intersection finds them
  // (document order): then the first k found are the first page.
  bool in_document_order() const {
    return text_clauses.empty() && geo_clause == nullptr && !events_by_date;
  }
};

// Appends to `out` the plan's next matches in document order, at most
// `max`, resuming where the previous call stopped. Returns whether the
// intersection is over (no match left).
absl::StatusOr<bool> NextMatches(QueryPlan* plan, size_t max,
                                 std::vector<Found>* out, Stopper* stop);

// Leaves out of `matches` (in document order) the needs and offers
// expired at `now`: the index does not, as it does not depend on the clock.
absl::Status DropExpiredMatches(const StoreSnapshot& snap, absl::Time now,
                                std::vector<Found>* matches);

// A page of a query's matches, ranked, and how many match in all.
struct CountedPage {
  // The page's matches and, when another page follows, one more.
  std::vector<Found> matches;
  int64_t total = 0;
  // `total` is the cap: more than that many match.
  bool total_is_lower_bound = false;
};

// The page after `after` (from the first match without it) of a query
// ranked in document order, and the count of its matches from the first:
// exact while at most `count_up_to`; past that the intersection stops as
// soon as the page is full, and the total is `count_up_to`, a lower bound.
// Stopping is what the cap is for: a filter matching half the directory
// costs its first page and `count_up_to` steps, not a step per match.
absl::StatusOr<CountedPage> PageInDocumentOrder(
    const StoreSnapshot& snap, QueryPlan* plan,
    const std::optional<Found>& after, size_t take, size_t count_up_to,
    absl::Time now, Stopper* stop);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_INTERSECTION_H_
