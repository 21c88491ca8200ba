#include "bench/propagation.h"

#include <gtest/gtest.h>

namespace civhub::bench {
namespace {

// 0 -- 1 is slower than 0 -- 2 -- 1: the bound takes the faster path.
TEST(ShortestArrival, TakesTheFastestPathNotTheFewestHops) {
  const std::vector<std::pair<int, int>> links = {
      {0, 1}, {0, 2}, {2, 1}, {1, 3}};
  auto latency = [](int a, int b) {
    if (std::min(a, b) == 0 && std::max(a, b) == 1)
      return absl::Milliseconds(50);
    return absl::Milliseconds(10);
  };
  std::vector<absl::Duration> d = ShortestArrival(4, links, 0, latency);
  EXPECT_EQ(d[0], absl::ZeroDuration());
  EXPECT_EQ(d[2], absl::Milliseconds(10));
  EXPECT_EQ(d[1], absl::Milliseconds(20));
  EXPECT_EQ(d[3], absl::Milliseconds(30));
}

// No hub can get a record before its shortest-path bound; without loss
// every hub gets the push along the origin's tree exactly at it (the
// simulated hubs know the links at their latencies). A bound computed
// wrongly, or a tree that is not the shortest-path one, breaks one or the
// other.
TEST(RunPropagation, ArrivalIsAtTheBoundWithoutLoss) {
  PropagationOptions options;
  options.hubs = 40;
  options.updates = 2;
  options.loss = 0;
  options.idle_window = absl::Seconds(5);
  PropagationResult r = RunPropagation(options);
  EXPECT_EQ(r.incomplete, 0);
  EXPECT_EQ(r.within_1_3, 1);
  EXPECT_EQ(r.bound_ratio_p50, 1.0);
  EXPECT_EQ(r.bound_ratio_max, 1.0);
  // About one body a hub (a round racing the push may carry another).
  EXPECT_LT(r.sends_per_update, 1.2 * (options.hubs - 1));
}

}  // namespace
}  // namespace civhub::bench
