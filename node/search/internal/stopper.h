// Says when a query must give up (QueryStop, directory.h). Private to
// node/search.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_STOPPER_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_STOPPER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "node/search/directory.h"

namespace civhub::node::internal {

// Tick() once per unit of work (a candidate, a posting). Not thread-safe:
// one query's.
class Stopper {
 public:
  // `stop` must outlive the Stopper; `past_deadline` is the message of the
  // DEADLINE_EXCEEDED error, saying how to narrow the query.
  Stopper(const QueryStop& stop, std::string past_deadline)
      : stop_(stop), past_deadline_(std::move(past_deadline)) {}

  // True once the query must stop. Looks at the clock and the client only
  // every kEvery ticks: both cost far more than a candidate.
  bool Tick() {
    if (!status_.ok()) return true;
    if (++ticks_ % kEvery != 0) return false;
    if (stop_.cancelled && stop_.cancelled()) {
      status_ = absl::CancelledError("the client cancelled the query");
    } else if (stop_.deadline != absl::InfiniteFuture() &&
               absl::Now() >= stop_.deadline) {
      status_ = absl::DeadlineExceededError(past_deadline_);
    }
    return !status_.ok();
  }
  bool stopped() const { return !status_.ok(); }
  const absl::Status& status() const { return status_; }

 private:
  static constexpr uint64_t kEvery = 256;
  const QueryStop& stop_;
  const std::string past_deadline_;
  uint64_t ticks_ = 0;
  absl::Status status_;
};

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_STOPPER_H_
