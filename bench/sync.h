// The `sync` workload: what an anti-entropy round costs between two hubs
// holding the same large directory, and what k differences cost, on the
// simulator (tests/sim) running the real federation code. Compared with
// Negentropy's published figures for 1M-element sets.
#ifndef CIVHUB_BENCH_SYNC_H_
#define CIVHUB_BENCH_SYNC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bench/results.h"

namespace civhub::bench {

struct SyncCase {
  std::string name;
  // The pulling hub's Sync calls until it holds everything: bytes it sent,
  // bytes it received, and the calls (round trips).
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  int round_trips = 0;
  uint64_t records = 0;       // Records the case created.
  uint64_t record_bytes = 0;  // Their size (SignedRecord).
  uint64_t records_sent = 0;  // Record bodies in the replies.
};

struct SyncRun {
  uint64_t records = 0;
  int origins = 0;
  double load_seconds = 0;  // Signing and loading the stores.
  // The hubs' first round, each sending its whole vector.
  SyncCase first_contact;
  std::vector<SyncCase> cases;
};

// Two linked hubs holding the same `records` organizations of `origins`
// origins; then: idle, 1 new record, 1,000 new records, 1,000 updates of
// records spread over the directory (over the origins when there are
// several). With `dataset` (see EnsureDataset), its store and origin are
// used instead of generating `records` in memory: the way to 1M records.
SyncRun RunSync(uint64_t records, int origins, uint64_t seed,
                const std::string& dataset = "");

// `sync`: RunSync at each of `sizes` with one origin (sizes above 100,000
// from a dataset under `data`, see EnsureDataset), then with `origins`
// origins at the largest size (at most 100,000, in memory); rows against
// Negentropy's figures.
void SyncWorkload(const std::string& data, const std::vector<uint64_t>& sizes,
                  int origins, std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_SYNC_H_
