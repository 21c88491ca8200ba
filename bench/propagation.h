// The `propagation` workload: how fast and at what cost a new record
// reaches every hub of a large network, on the deterministic simulator
// (tests/sim) running the real federation code over lossy links.
#ifndef CIVHUB_BENCH_PROPAGATION_H_
#define CIVHUB_BENCH_PROPAGATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "bench/results.h"

namespace civhub::bench {

struct PropagationOptions {
  int hubs = 1000;
  uint64_t seed = 1;
  int updates = 5;  // Records published, one at a time, from random hubs.
  double loss = 0.01;
  absl::Duration min_latency = absl::Milliseconds(10);
  absl::Duration max_latency = absl::Milliseconds(50);
  absl::Duration sync_interval = absl::Seconds(5);
  absl::Duration idle_window = absl::Seconds(60);
};

struct PropagationResult {
  int hubs = 0;
  int links = 0;
  // Mean over the updates of the time until the record is at 50, 99 and
  // 100 % of hubs (the origin counts).
  double p50_ms = 0, p99_ms = 0, p100_ms = 0;
  double worst_p100_ms = 0;
  int incomplete = 0;  // Updates that had not reached every hub in 60 s.
  // Against the physical bound: for each hub other than the origin, its
  // arrival time over the earliest time any store-and-forward scheme could
  // reach it (the shortest path from the origin over the links' one-way
  // latencies). Over every (update, hub) pair: the share within 1.3 x the
  // bound, and the ratio's median, 90th and 99th percentiles and maximum.
  double within_1_3 = 0;
  double bound_ratio_p50 = 0, bound_ratio_p90 = 0, bound_ratio_p99 = 0,
         bound_ratio_max = 0;
  // Per update: record bodies sent (pushes, fetches, sync replies), and
  // 40-byte announces.
  double sends_per_update = 0;
  double announces_per_update = 0;
  // Idle anti-entropy: request + reply bytes per hub per second.
  double idle_bytes_per_hub_s = 0;
  double idle_bytes_per_round = 0;
  double wall_seconds = 0;
};

// A network shaped like admin-approved ones: regional clusters of about 25
// hubs, each hub 3-5 links, mostly within its region, a few across.
// Connected. Deterministic in `seed`.
std::vector<std::pair<int, int>> RegionalGraph(int hubs, uint64_t seed);

// The shortest-path distance from `origin` to every hub over `links`,
// each link weighted by `latency(a, b)` (Dijkstra).
std::vector<absl::Duration> ShortestArrival(
    int hubs, const std::vector<std::pair<int, int>>& links, int origin,
    const std::function<absl::Duration(int, int)>& latency);

PropagationResult RunPropagation(const PropagationOptions& options);

// `propagation`: RunPropagation on a network of each of `sizes` hubs,
// rows against Serf's convergence and issue 19's targets.
void PropagationWorkload(const std::vector<int>& sizes, int updates,
                         double loss, std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_PROPAGATION_H_
