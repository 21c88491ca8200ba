// The `scale` workload (issue 19, target 5): a hub of millions of
// generated organizations — 10 million by default, the order of every
// registered NGO on earth — built in minutes, then measured: its store's
// bytes per record, civhubd's memory serving it, and how long a full
// `civhubd --check` takes.
#ifndef CIVHUB_BENCH_SCALE_H_
#define CIVHUB_BENCH_SCALE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/results.h"

namespace civhub::bench {

struct ScaleDataset {
  std::string dir;  // `<root>/scale-<records>`: hub.key and store/.
  uint64_t records = 0;
  // How it was built (read back from dir/build.txt when reused).
  double build_seconds = 0;
  double records_per_s = 0;
};

// `<root>/scale-<records>`, built once: `records` organizations of the
// hub's own key (record ids "org-<i>", sequences 1..records), generated
// and signed on every core in chunks of 1,000 while this thread applies
// the chunks in order, each with one Store::ApplyMany. No SQLite beside it
// (EnsureDataset's): the baselines stop at 1M.
absl::StatusOr<ScaleDataset> EnsureScaleDataset(const std::string& root,
                                                uint64_t records);

// Bytes of every file under `dir`.
uint64_t DirectoryBytes(const std::string& dir);

// `scale`: the hub of `records` (EnsureScaleDataset under `data`), its
// build rate against openssl's `sign_per_s` on `cores`, its store's bytes,
// a full civhubd --check against the verify bound (unless `!check_store`:
// it takes minutes at 10M), each query class's latency and civhubd's
// memory serving it (at `base_port`, as memory's).
void ScaleWorkload(const std::string& data, uint64_t records, int rounds,
                   double sign_per_s, double verify_per_s, unsigned cores,
                   int base_port, bool check_store,
                   std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_SCALE_H_
