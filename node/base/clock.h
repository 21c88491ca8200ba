// Time as the hub sees it. Production code uses SystemClock(); tests and the
// federation simulator pass their own, so that nothing depends on real time.
#ifndef CIVHUB_NODE_BASE_CLOCK_H_
#define CIVHUB_NODE_BASE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace civhub::node {

// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The process-wide real clock; never deleted.
Clock* SystemClock();

// A clock that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock l(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock l(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;  // Guarded by mu_.
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_BASE_CLOCK_H_
