// `abuse`: issue 14's attacks at their full sizes against a real civhubd
// serving a generated directory, under the usual 1,024 open files, with a
// normal partner searching alongside (tests/hostile/attack.h); a table per
// attack of the partner's latency and errors and the hub's memory, threads
// and file descriptors before, during and after, and the recovery time.
// docs/reliability.md holds the figures.
#ifndef CIVHUB_BENCH_ABUSE_H_
#define CIVHUB_BENCH_ABUSE_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bench/results.h"

namespace civhub::bench {

struct AbuseOptions {
  double seconds = 10;  // Each attack's duration.
  int open_files = 1024;
  // Attack names to run (see --abuse-attacks); empty: all.
  std::set<std::string> only;
};

// Runs each attack against a fresh copy of `dataset` (see EnsureDataset)
// and prints the tables to stdout. Returns the number of attacks the hub
// did not hold (errors, p99, memory, threads or recovery past issue 14's
// bounds).
int RunAbuse(const std::string& dataset, const AbuseOptions& options);

// `abuse`: RunAbuse over the dataset of `records` under `data`
// (EnsureDataset); one row, the attacks the hub did not hold.
void AbuseWorkload(const std::string& data, uint64_t records,
                   const AbuseOptions& options, std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_ABUSE_H_
