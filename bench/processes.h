// Workloads on real civhubd processes over a generated hub directory:
// `memory` (RSS of a hub serving it) and `bootstrap` (a new hub linked to
// it, until it holds every record).
#ifndef CIVHUB_BENCH_PROCESSES_H_
#define CIVHUB_BENCH_PROCESSES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace civhub::bench {

struct MemoryResult {
  double rss_mb = 0;   // After start and 300 searches.
  double peak_mb = 0;  // VmHWM.
  double start_seconds = 0;
};

// Starts civhubd (from `bin_dir`) on `dataset`, searches it over gRPC,
// reads its memory.
absl::StatusOr<MemoryResult> RunMemory(const std::string& bin_dir,
                                       const std::string& dataset);

struct BootstrapResult {
  uint64_t records = 0;
  double seconds = 0;  // From the link's approval to holding all.
  double records_per_s = 0;
  double peak_mb = 0;  // The new hub's VmHWM.
  // Bytes on the link the new hub dialed (TLS included), each way.
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
};

// Starts civhubd on `dataset` and a second one on an empty directory,
// links them with civhubctl, and waits until the second holds `records`
// organizations.
absl::StatusOr<BootstrapResult> RunBootstrap(const std::string& bin_dir,
                                             const std::string& dataset,
                                             uint64_t records);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_PROCESSES_H_
