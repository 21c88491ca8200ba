// Workloads on real civhubd processes: over a generated hub directory,
// `memory` (RSS of a hub serving it) and `bootstrap` (a new hub linked to
// it, until it holds every record); and `soak` (several hubs under search
// and publish load for minutes).
#ifndef CIVHUB_BENCH_PROCESSES_H_
#define CIVHUB_BENCH_PROCESSES_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/results.h"

namespace civhub::bench {

// The ports of the daemons these workloads start come from civhub-bench's
// --base-port B, so that two benches (or a bench and a hub) on one machine
// need not collide: memory's (and scale's) and bootstrap's full hub listen
// on B (and its
// federation on B + 1), bootstrap's relay on B + 9 and its new hub on
// B + 10, soak's hubs on B + 20 + 10 i, hsds-import's hub on B + 30; each
// hub's federation port is the one after its own. A port that is taken
// fails the workload at once, naming the port and --base-port.
constexpr int kDefaultBasePort = 17340;

struct MemoryResult {
  double rss_mb = 0;   // After start and 300 searches.
  double peak_mb = 0;  // VmHWM.
  double start_seconds = 0;
};

// Starts civhubd (from `bin_dir`) on `dataset` at `base_port`, searches it
// over gRPC, reads its memory.
absl::StatusOr<MemoryResult> RunMemory(const std::string& bin_dir,
                                       const std::string& dataset,
                                       int base_port);

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
                                             uint64_t records, int base_port);

struct HsdsImportResult {
  uint64_t records = 0;         // Organizations the package holds.
  double generate_seconds = 0;  // Writing the package.
  // Each `civhubctl hsds import` of new records, into a new hub, with the
  // signing rate measured just before and just after it (0 without a
  // way to measure it).
  struct Run {
    double seconds = 0;
    double records_per_s = 0;
    uint64_t published = 0;  // Organizations the hub holds after it.
    double sign_before = 0;
    double sign_after = 0;
  };
  std::vector<Run> runs;
  double reimport_seconds = 0;  // The same package again: all unchanged.
};

// Writes an HSDS tabular data package of `records` generated organizations
// (each with a location, address, topics and types, through
// hsds/to_hsds.h and hsds/package_writer.h) in `dir`, then `runs` times
// starts civhubd on an empty data dir there and times `civhubctl hsds
// import` of it, calling `sign_rate_now` (if set) just before and just
// after; then times the same package again on the last hub.
absl::StatusOr<HsdsImportResult> RunHsdsImport(
    const std::string& bin_dir, const std::string& dir, uint64_t records,
    int base_port, int runs = 1,
    const std::function<double()>& sign_rate_now = {});

struct SoakOptions {
  int seconds = 300;
  int search_clients = 16;
  double publishes_per_second = 20;  // Spread over the first and last hub.
  int hubs = 3;                      // Linked in a line.
  int base_port = kDefaultBasePort;  // See kDefaultBasePort.
  // 0: every publish is a new organization, so the directory grows all
  // along. N: publishes cycle over N record ids, so after the first N they
  // are updates and the directory keeps its size.
  uint64_t records = 0;
};

struct SoakResult {
  uint64_t searches = 0;
  uint64_t search_errors = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, qps = 0;
  uint64_t publishes = 0;
  uint64_t publish_errors = 0;
  // Per hub, per quarter of the run: the highest of each figure seen, MB
  // (the first quarter is the warm-up).
  struct Memory {
    double rss_mb = 0;   // VmRSS.
    double anon_mb = 0;  // RssAnon: allocated memory, stacks.
    double file_mb = 0;  // RssFile: code and LevelDB's mapped tables.
    // From `civhubctl status`: the allocator's view, and LevelDB's
    // memtables and block cache (within the heap in use).
    double heap_in_use_mb = 0;
    double heap_held_mb = 0;
    double store_cache_mb = 0;
  };
  std::vector<std::array<Memory, 4>> memory;
  // After the load stops: seconds until every hub holds every record
  // published (-1: not within a minute).
  double converge_seconds = -1;
};

// Starts `hubs` civhubd on fresh data dirs under `dir`, links them in a line
// with civhubctl, then for `seconds` runs search clients against all of
// them (text, filter and radius queries over gRPC) while records are
// published on the two ends and gossip carries them along.
absl::StatusOr<SoakResult> RunSoak(const std::string& bin_dir,
                                   const std::string& dir,
                                   const SoakOptions& options);

// civhubd and civhubctl of this build linked side by side in `bin`, as
// scripts/run installs them; false (and a message on stderr naming
// `workload`) if they cannot be linked.
bool LinkBinaries(const std::string& bin, absl::string_view workload);

// `memory` and `bootstrap` (each when asked for) over the dataset of
// `records` under `data` (EnsureDataset); bootstrap against the verify
// bound of `cores`.
void ProcessWorkloads(const std::string& data, uint64_t records, bool memory,
                      bool bootstrap, double verify_per_s, unsigned cores,
                      int base_port, std::vector<Result>* results);

// `soak`: RunSoak under `data`; rows of searches, publishes and each hub's
// memory by quarter against the first (the warm-up).
void SoakWorkload(const std::string& data, const SoakOptions& options,
                  std::vector<Result>* results);

// `hsds-import`: RunHsdsImport of `records` under `data`, against
// openssl's `sign_per_s` on one core. With `sign_rate_now`, three imports,
// each against the mean of the rate measured just before and just after
// it (this machine's rate moves by a third within minutes), and the
// median of the three ratios.
void HsdsImportWorkload(const std::string& data, uint64_t records,
                        double sign_per_s, int base_port,
                        std::vector<Result>* results,
                        const std::function<double()>& sign_rate_now = {});

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_PROCESSES_H_
