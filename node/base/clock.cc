#include "node/base/clock.h"

namespace civhub::node {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* SystemClock() {
  static Clock* const clock = new RealClock();
  return clock;
}

}  // namespace civhub::node
