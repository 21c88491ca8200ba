// `http`: the JSON API against gRPC on one real civhubd in the same run
// (issue 16): the same searches over HTTP/JSON (keep-alive) and over gRPC
// from the same number of client threads, alternating, with throughput and
// p50/p99 for each; and a crowd of idle /v1/changes Server-Sent Events
// clients on a second hub: the hub's extra memory per client and the time
// until one published change reaches all of them.
#ifndef CIVHUB_BENCH_HTTP_API_H_
#define CIVHUB_BENCH_HTTP_API_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/results.h"

namespace civhub::bench {

struct HttpBenchOptions {
  double seconds = 4;  // Per protocol, in two halves each.
  int clients = 8;     // Client threads (one connection each).
  int sse_clients = 10000;
};

struct HttpBenchResult {
  double grpc_qps = 0, grpc_p50_ms = 0, grpc_p99_ms = 0;
  double http_qps = 0, http_p50_ms = 0, http_p99_ms = 0;
  int64_t grpc_errors = 0, http_errors = 0;
  int sse_connected = 0;         // Streams open and caught up.
  double sse_kb_per_client = 0;  // The hub's extra RSS / streams.
  double sse_fanout_s = -1;      // Publish → the last stream has it.
  int sse_reached = 0;           // Streams that got the change.
};

// Runs both parts: searches on a copy of `dataset` (see EnsureDataset),
// the crowd on a new empty hub under `scratch`. civhubd and civhubctl come
// from HubProcess's build.
absl::StatusOr<HttpBenchResult> RunHttpBench(const std::string& dataset,
                                             const std::string& scratch,
                                             const HttpBenchOptions& options);

// `http`: RunHttpBench over the dataset of `records` under `data`
// (EnsureDataset); HTTP/JSON's rows against gRPC's, and the change-feed
// crowd's against issue 16's targets.
void HttpWorkload(const std::string& data, uint64_t records,
                  const HttpBenchOptions& options,
                  std::vector<Result>* results);

}  // namespace civhub::bench

#endif  // CIVHUB_BENCH_HTTP_API_H_
