#include "bench/propagation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/records.h"
#include "sim/sim_network.h"

namespace civhub::bench {

std::vector<std::pair<int, int>> RegionalGraph(int hubs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) {  // Inclusive.
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  const int regions = std::max(1, hubs / 25);
  std::vector<int> region(hubs), target(hubs);
  std::vector<std::vector<int>> members(regions);
  for (int i = 0; i < hubs; ++i) {
    region[i] = i % regions;
    members[region[i]].push_back(i);
    target[i] = uniform(3, 5);
  }
  std::vector<std::set<int>> adj(hubs);
  std::vector<std::pair<int, int>> links;
  auto link = [&](int a, int b) {
    if (a == b || adj[a].count(b)) return false;
    adj[a].insert(b);
    adj[b].insert(a);
    links.emplace_back(a, b);
    return true;
  };
  // A spanning tree first: each hub joins through an earlier hub of its
  // region (the first of each region through any earlier hub).
  for (int i = 1; i < hubs; ++i) {
    std::vector<int> earlier;
    for (int m : members[region[i]]) {
      if (m < i) earlier.push_back(m);
    }
    link(i, earlier.empty()
                ? uniform(0, i - 1)
                : earlier[uniform(0, static_cast<int>(earlier.size()) - 1)]);
  }
  // Then more links up to each hub's target: 4 in 5 within the region.
  for (int i = 0; i < hubs; ++i) {
    for (int attempt = 0;
         static_cast<int>(adj[i].size()) < target[i] && attempt < 20;
         ++attempt) {
      const std::vector<int>& pool = members[region[i]];
      const int j = uniform(0, 4) > 0 && pool.size() > 1
                        ? pool[uniform(0, static_cast<int>(pool.size()) - 1)]
                        : uniform(0, hubs - 1);
      if (static_cast<int>(adj[j].size()) < 5) link(i, j);
    }
  }
  return links;
}

std::vector<absl::Duration> ShortestArrival(
    int hubs, const std::vector<std::pair<int, int>>& links, int origin,
    const std::function<absl::Duration(int, int)>& latency) {
  std::vector<std::vector<std::pair<int, absl::Duration>>> adj(hubs);
  for (auto [a, b] : links) {
    const absl::Duration d = latency(a, b);
    adj[a].emplace_back(b, d);
    adj[b].emplace_back(a, d);
  }
  std::vector<absl::Duration> dist(hubs, absl::InfiniteDuration());
  using Item = std::pair<absl::Duration, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
  dist[origin] = absl::ZeroDuration();
  queue.emplace(dist[origin], origin);
  while (!queue.empty()) {
    auto [d, at] = queue.top();
    queue.pop();
    if (d > dist[at]) continue;
    for (auto [next, w] : adj[at]) {
      if (d + w < dist[next]) {
        dist[next] = d + w;
        queue.emplace(dist[next], next);
      }
    }
  }
  return dist;
}

PropagationResult RunPropagation(const PropagationOptions& options) {
  const absl::Time wall_start = absl::Now();
  sim::SimOptions sim_options;
  sim_options.dir = "/propagation";
  sim_options.seed = options.seed;
  sim_options.min_latency = options.min_latency;
  sim_options.max_latency = options.max_latency;
  sim_options.loss = options.loss;
  sim_options.in_memory = true;
  sim::SimNetwork net(sim_options);

  std::vector<std::string> names;
  for (int i = 0; i < options.hubs; ++i) names.push_back(absl::StrCat("h", i));
  std::vector<std::pair<int, int>> links =
      RegionalGraph(options.hubs, options.seed);
  federation::FederationOptions fed;
  fed.sync_interval = options.sync_interval;
  net.AddEstablished(names, links, fed);

  PropagationResult result;
  result.hubs = options.hubs;
  result.links = static_cast<int>(links.size());
  auto run_for = [&](absl::Duration d) {
    net.scheduler().RunUntil(net.clock().Now() + d);
  };
  // Every link's first round (whole vectors) is over after a few intervals.
  run_for(options.sync_interval * 4);
  sim::TrafficCounters before = net.traffic();
  run_for(options.idle_window);
  const double idle_bytes =
      static_cast<double>(net.traffic().request_bytes - before.request_bytes +
                          net.traffic().response_bytes - before.response_bytes);
  const double idle_calls =
      static_cast<double>(net.traffic().calls - before.calls);
  result.idle_bytes_per_hub_s =
      idle_bytes / options.hubs / absl::ToDoubleSeconds(options.idle_window);
  result.idle_bytes_per_round = idle_calls > 0 ? idle_bytes / idle_calls : 0;

  std::map<sim::SimHub*, int> index_of;
  for (int i = 0; i < options.hubs; ++i) index_of[net.hub(names[i])] = i;
  auto latency = [&](int a, int b) {
    return net.LatencyBetween(names[a], names[b]);
  };
  std::vector<double> bound_ratios;  // Every (update, hub) but the origins.

  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  double sends = 0, announces = 0;
  for (int u = 0; u < options.updates; ++u) {
    const int origin_index = static_cast<int>(rng() % names.size());
    sim::SimHub* origin = net.hub(names[origin_index]);
    const std::vector<absl::Duration> bound =
        ShortestArrival(options.hubs, links, origin_index, latency);
    testing::OrgSpec spec;
    spec.name = absl::StrCat("Update ", u, " of the propagation benchmark");
    before = net.traffic();
    const absl::Time t0 = net.clock().Now();
    absl::StatusOr<node::PublishResult> published = origin->hub->Publish(
        testing::OrgPublish(absl::StrCat("bench-", u), spec));
    if (!published.ok()) {
      ++result.incomplete;
      continue;
    }
    const std::string key = origin->key.public_key().bytes();
    const uint64_t sequence = published->record.body().sequence();
    std::set<sim::SimHub*> reached = {origin};
    std::vector<double> times_ms = {0};
    net.SetDeliveryObserver([&](sim::SimHub* h) {
      if (reached.count(h) || !h->store->Seen(key, sequence).value_or(false))
        return;
      reached.insert(h);
      const absl::Duration took = net.clock().Now() - t0;
      times_ms.push_back(absl::ToDoubleMilliseconds(took));
      bound_ratios.push_back(absl::FDivDuration(took, bound[index_of[h]]));
    });
    const bool complete = net.scheduler().RunUntil(
        [&] { return static_cast<int>(reached.size()) == options.hubs; },
        t0 + absl::Seconds(60));
    net.SetDeliveryObserver(nullptr);
    if (!complete) {
      ++result.incomplete;
      // A hub never reached is as far from its bound as a ratio can say.
      const size_t missing = options.hubs - reached.size();
      bound_ratios.insert(bound_ratios.end(), missing, HUGE_VAL);
    }
    auto at = [&](double fraction) {
      const size_t need = static_cast<size_t>(
          std::ceil(fraction * static_cast<double>(options.hubs)));
      return need <= times_ms.size() ? times_ms[need - 1] : 60000.0;
    };
    result.p50_ms += at(0.5) / options.updates;
    result.p99_ms += at(0.99) / options.updates;
    result.p100_ms += at(1.0) / options.updates;
    result.worst_p100_ms = std::max(result.worst_p100_ms, at(1.0));
    // Late duplicates (a fetch racing a round) count too.
    run_for(options.sync_interval * 2);
    sends += net.traffic().records_sent - before.records_sent;
    announces += net.traffic().announced_records - before.announced_records;
  }
  if (!bound_ratios.empty()) {
    std::sort(bound_ratios.begin(), bound_ratios.end());
    const double n = static_cast<double>(bound_ratios.size());
    auto quantile = [&](double q) {
      return bound_ratios[std::min(bound_ratios.size() - 1,
                                   static_cast<size_t>(std::ceil(q * n)) - 1)];
    };
    result.within_1_3 =
        static_cast<double>(
            std::upper_bound(bound_ratios.begin(), bound_ratios.end(), 1.3) -
            bound_ratios.begin()) /
        n;
    result.bound_ratio_p50 = quantile(0.5);
    result.bound_ratio_p90 = quantile(0.9);
    result.bound_ratio_p99 = quantile(0.99);
    result.bound_ratio_max = bound_ratios.back();
  }
  result.sends_per_update = sends / options.updates;
  result.announces_per_update = announces / options.updates;
  result.wall_seconds = absl::ToDoubleSeconds(absl::Now() - wall_start);
  return result;
}

namespace {

// Serf's convergence simulator (serf.io/docs/internals/simulator), 1%
// packet loss: time until 99.99 % of nodes have a message.
double SerfMs(int hubs) {
  if (hubs <= 100) return 1400;  // Its chart at 100 nodes: about 1.4 s.
  return hubs <= 1000 ? 2200 : 2600;
}

}  // namespace

void PropagationWorkload(const std::vector<int>& sizes, int updates,
                         double loss, std::vector<Result>* results) {
  for (int n : sizes) {
    PropagationOptions options;
    options.hubs = n;
    options.updates = updates;
    options.loss = loss;
    std::cerr << "propagation: " << n << " simulated hubs...\n";
    PropagationResult r = RunPropagation(options);
    std::cerr << absl::StrFormat(
        "  %d links, %d updates, %d incomplete, worst %.0f ms, %.1f s wall\n",
        r.links, updates, r.incomplete, r.worst_p100_ms, r.wall_seconds);
    const std::string at = absl::StrCat(n, " hubs");
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back({"propagation", absl::StrCat(metric, ", ", at), value,
                          std::move(baseline), baseline_value, "hubs",
                          static_cast<double>(n)});
    };
    row("ms to 50% of hubs", r.p50_ms, "", 0);
    row("ms to 99% of hubs", r.p99_ms, "Serf, 99.99% of nodes, ms", SerfMs(n));
    row("ms to 100% of hubs", r.p100_ms, "target: all hubs in 1 s", 1000);
    row("% of hubs within 1.3x the shortest-path bound", 100 * r.within_1_3,
        "target: 100%", 100);
    row("arrival / shortest-path bound, p50", r.bound_ratio_p50, "", 0);
    row("arrival / shortest-path bound, p90", r.bound_ratio_p90, "target: 1.3",
        1.3);
    row("arrival / shortest-path bound, p99", r.bound_ratio_p99, "target: 1.3",
        1.3);
    row("arrival / shortest-path bound, max", r.bound_ratio_max, "target: 1.3",
        1.3);
    row("body sends per update", r.sends_per_update, "target: 1.05 (N-1)",
        1.05 * (n - 1));
    row("body sends per update", r.sends_per_update, "eager gossip, 3(N-1)",
        3.0 * (n - 1));
    row("announces per update", r.announces_per_update, "", 0);
    row("idle bytes/hub/s", r.idle_bytes_per_hub_s, "", 0);
    row("idle bytes per round", r.idle_bytes_per_round, "target: 64 B each way",
        128);
  }
}

}  // namespace civhub::bench
