// The `match` workload (issue 18): a hub data directory holding generated
// needs and offers (reused between runs), and Directory::Match over it, by
// need and by offer, in-process.
#ifndef CIVHUB_BENCH_MATCH_H_
#define CIVHUB_BENCH_MATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/results.h"

namespace civhub::bench {

// `<root>/match-<needs>-<offers>`: hub.key and store/ with `needs` needs and
// `offers` offers of the hub itself: capabilities of the documented list
// (popular ones more often, 1-3 each, a few "x-" codes), the languages of
// 16 cities (and often English), remote, on-site and either modes with
// radii, windows, hours, statuses and expiries spread over a year, all
// valid. Built once (a minute at 100,000 + 100,000), then reused.
absl::StatusOr<std::string> EnsureMatchDataset(const std::string& root,
                                               uint64_t needs, uint64_t offers);

struct MatchLatency {
  std::string subject;  // "need" or "offer"
  int queries = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, qps = 0;
  double mean_total = 0;  // Records passing the hard filters, per query.
  // The first query of the run, which builds the match index, and what the
  // process's resident memory grew by over it (both 0 but for the first
  // subject).
  double first_ms = 0;
  double first_rss_mb = 0;
};

// Matches `queries` open needs and `queries` open offers of the dataset
// (chosen by a fixed seed), a first page of 20 each, after one warm-up
// pass; latency per query.
absl::StatusOr<std::vector<MatchLatency>> RunMatch(const std::string& dataset,
                                                   int queries);

// `match`: RunMatch over the dataset of `needs` and `offers` under
// `root`; p50 and p99 per query against issue 18's targets.
void MatchWorkload(const std::string& root, uint64_t needs, uint64_t offers,
                   int queries, std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_MATCH_H_
