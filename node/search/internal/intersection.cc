#include "node/search/internal/intersection.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>

#include "absl/types/span.h"
#include "node/search/internal/expiry.h"

namespace civhub::node::internal {

// Steps a few postings before seeking: in a dense intersection the
// target is mostly a posting or two ahead, and a step (the LevelDB
// iterator's next key) costs a fraction of a seek (a search of the
// table's index and block). How many adapts: halved when the target was
// further (a sparse clause drives), doubled when steps reached it.
void PostingClause::Seek(uint64_t target) {
  int taken = 0;
  for (; taken < steps_ && cursor_.Valid() && cursor_.doc() < target; ++taken) {
    cursor_.Next();
  }
  if (cursor_.Valid() && cursor_.doc() < target) {
    cursor_.Seek(target);
    steps_ = std::max(1, steps_ / 2);
  } else if (taken > 0) {
    steps_ = std::min(kMaxStepsBeforeSeek, steps_ * 2);
  }
}

void ListClause::Seek(uint64_t target) {
  const size_t n = docs_.size();
  if (pos_ >= n || docs_[pos_].first >= target) return;
  // docs_[lo] < target; widen [lo, hi) until docs_[hi] >= target.
  size_t lo = pos_;
  size_t step = 1;
  size_t hi = pos_ + 1;
  while (hi < n && docs_[hi].first < target) {
    lo = hi;
    step *= 2;
    hi = std::min(n, lo + step);
  }
  auto it = std::lower_bound(docs_.begin() + lo + 1, docs_.begin() + hi, target,
                             [](const std::pair<uint64_t, double>& e,
                                uint64_t t) { return e.first < t; });
  pos_ = it - docs_.begin();
}

namespace {

using DocValue = std::pair<uint64_t, double>;

// Merges two lists ascending by document into `out`: a document in both
// once, with the greater value.
void MergeTwo(absl::Span<const DocValue> a, absl::Span<const DocValue> b,
              std::vector<DocValue>* out) {
  out->reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].first < b[j].first) {
      out->push_back(a[i++]);
    } else if (b[j].first < a[i].first) {
      out->push_back(b[j++]);
    } else {
      out->emplace_back(a[i].first, std::max(a[i].second, b[j].second));
      ++i;
      ++j;
    }
  }
  out->insert(out->end(), a.begin() + i, a.end());
  out->insert(out->end(), b.begin() + j, b.end());
}

}  // namespace

std::vector<DocValue> MergeRunsKeepingMax(std::vector<DocValue> docs) {
  // A run: a span of `docs` or of a merged list in `merged`.
  struct Run {
    absl::Span<const DocValue> docs;
    int owner;  // Index in `merged`, or -1 for `docs`.
    bool operator>(const Run& o) const { return docs.size() > o.docs.size(); }
  };
  std::priority_queue<Run, std::vector<Run>, std::greater<Run>> runs;
  size_t start = 0;
  for (size_t i = 1; i <= docs.size(); ++i) {
    if (i == docs.size() || docs[i].first <= docs[i - 1].first) {
      runs.push({absl::MakeConstSpan(docs).subspan(start, i - start), -1});
      start = i;
    }
  }
  if (runs.size() <= 1) return docs;
  // Merged lists; moving a vector keeps its buffer, so spans stay valid.
  std::vector<std::vector<DocValue>> merged;
  merged.reserve(runs.size());
  while (runs.size() > 1) {
    Run a = runs.top();
    runs.pop();
    Run b = runs.top();
    runs.pop();
    std::vector<DocValue> out;
    MergeTwo(a.docs, b.docs, &out);
    // The inputs are spent: free what merging made of them.
    for (int owner : {a.owner, b.owner}) {
      if (owner >= 0) std::vector<DocValue>().swap(merged[owner]);
    }
    merged.push_back(std::move(out));
    runs.push({merged.back(), static_cast<int>(merged.size() - 1)});
  }
  return std::move(merged.back());
}

absl::StatusOr<bool> NextMatches(QueryPlan* plan, size_t max,
                                 std::vector<Found>* out, Stopper* stop) {
  const std::vector<Clause*>& order = plan->order;
  bool done = false;
  for (Clause* c : order) done |= !c->Valid();
  uint64_t target = done ? 0 : order[0]->doc();
  // At most as many matches as the first clause holds (known when it is
  // materialized): one allocation instead of growing by doubling.
  if (!done && order[0]->materialized()) {
    out->reserve(out->size() + std::min(max, order[0]->size()));
  }
  for (size_t found = 0; !done && found < max;) {
    if (stop->Tick()) return stop->status();
    bool aligned = true;
    for (Clause* c : order) {
      c->Seek(target);
      if (!c->Valid()) {
        done = true;
        break;
      }
      if (c->doc() > target) {
        target = c->doc();
        aligned = false;
        break;
      }
    }
    if (done) break;
    if (!aligned) continue;
    Found m{target, 0};
    if (plan->geo_clause != nullptr) {
      m.distance = plan->geo_clause->value();
      m.key = m.distance;
    } else {
      for (ListClause* t : plan->text_clauses) m.key -= t->value();
    }
    out->push_back(m);
    ++found;
    order[0]->Next();
    done = !order[0]->Valid();
    if (!done) target = order[0]->doc();
  }
  for (PostingClause* p : plan->postings) {
    if (absl::Status s = p->status(); !s.ok()) return s;
  }
  return done;
}

absl::Status DropExpiredMatches(const StoreSnapshot& snap, absl::Time now,
                                std::vector<Found>* matches) {
  // Most directories hold no needs or offers: then copying the matches'
  // documents (100,000 for a common word) is the whole cost.
  absl::StatusOr<bool> holds = HoldsNeedsOrOffers(snap);
  if (!holds.ok()) return holds.status();
  if (!*holds || matches->empty()) return absl::OkStatus();
  std::vector<uint64_t> docs;
  docs.reserve(matches->size());
  for (const Found& m : *matches) docs.push_back(m.doc);
  if (absl::Status s = internal::DropExpired(snap, now, &docs); !s.ok()) {
    return s;
  }
  if (docs.size() == matches->size()) return absl::OkStatus();
  size_t kept = 0;
  for (const Found& m : *matches) {
    if (std::binary_search(docs.begin(), docs.end(), m.doc)) {
      (*matches)[kept++] = m;
    }
  }
  matches->resize(kept);
  return absl::OkStatus();
}

namespace {

// Matches read per step before the page's start (a page token's position)
// is reached: few enough for DropExpired's per-document seeks.
constexpr size_t kSkipBatch = 256;

}  // namespace

absl::StatusOr<CountedPage> PageInDocumentOrder(
    const StoreSnapshot& snap, QueryPlan* plan,
    const std::optional<Found>& after, size_t take, size_t count_up_to,
    absl::Time now, Stopper* stop) {
  CountedPage out;
  const size_t enough = count_up_to == std::numeric_limits<size_t>::max()
                            ? count_up_to
                            : count_up_to + 1;
  size_t counted = 0;
  bool done = false;
  std::vector<Found> batch;
  while (!done && (counted < enough || out.matches.size() <= take)) {
    const size_t for_count = counted < enough ? enough - counted : 0;
    const size_t for_page = out.matches.empty() && after.has_value()
                                ? kSkipBatch
                                : take + 1 - out.matches.size();
    batch.clear();
    absl::StatusOr<bool> over =
        NextMatches(plan, std::max(for_count, for_page), &batch, stop);
    if (!over.ok()) return over.status();
    done = *over;
    if (plan->may_expire) {
      if (absl::Status s = DropExpiredMatches(snap, now, &batch); !s.ok()) {
        return s;
      }
    }
    counted += batch.size();
    for (const Found& m : batch) {
      if (out.matches.size() > take) break;
      if (!after.has_value() || Before(*after, m)) out.matches.push_back(m);
    }
  }
  out.total_is_lower_bound = !done && counted >= enough;
  out.total =
      static_cast<int64_t>(out.total_is_lower_bound ? count_up_to : counted);
  return out;
}

}  // namespace civhub::node::internal
