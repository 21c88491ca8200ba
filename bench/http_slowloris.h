// The `http-slowloris` workload: normal clients GET /healthz from a real
// civhubd's HTTP port, first alone, then while many slow-loris clients
// (from other loopback addresses, so that they are many clients) each send
// a request's header one byte a second and reconnect when cut off. Reports
// the normal clients' p50/p99 in both phases (docs/performance.md).
#ifndef CIVHUB_BENCH_HTTP_SLOWLORIS_H_
#define CIVHUB_BENCH_HTTP_SLOWLORIS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/results.h"

namespace civhub::bench {

struct SlowlorisOptions {
  int slow_clients = 1000;
  int normal_clients = 4;
  double seconds = 5;  // Each phase's measuring time.
  // civhubd's --http-request-timeout: the slow clients are cut off (and
  // reconnect) within the run.
  double request_timeout = 2;
};

struct SlowlorisResult {
  uint64_t requests_alone = 0;
  double p50_alone_ms = 0, p99_alone_ms = 0;
  uint64_t requests_under = 0;
  double p50_under_ms = 0, p99_under_ms = 0;
  uint64_t errors = 0;  // Normal requests that failed, both phases.
  // Slow connections open at the end of the attack, and how many the hub
  // closed meanwhile (each then reconnected).
  int slow_open = 0;
  uint64_t slow_closed = 0;
  double rss_mb_alone = 0, rss_mb_under = 0;
};

// Starts civhubd on a fresh data dir under `dir` and runs both phases.
absl::StatusOr<SlowlorisResult> RunHttpSlowloris(
    const std::string& dir, const SlowlorisOptions& options);

// `http-slowloris`: RunHttpSlowloris under `data`; the normal clients'
// rows under the slow clients against alone.
void HttpSlowlorisWorkload(const std::string& data,
                           const SlowlorisOptions& options,
                           std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_HTTP_SLOWLORIS_H_
