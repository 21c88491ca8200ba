#include "node/search/internal/intersection.h"

#include <algorithm>
#include <limits>

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

absl::StatusOr<bool> NextMatches(QueryPlan* plan, size_t max,
                                 std::vector<Found>* out, Stopper* stop) {
  const std::vector<Clause*>& order = plan->order;
  bool done = false;
  for (Clause* c : order) done |= !c->Valid();
  uint64_t target = done ? 0 : order[0]->doc();
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
