// The hub's figures read at each scrape of /metrics, from what the hub
// already keeps (nothing is counted twice): records by kind and origins
// (the store's counters), peers by state and per peer (Federation's
// ListPeers/ListPending), the store's size and state, memory, connections,
// uptime and build info, and the calls made to each peer (counted by
// CountingTransport). docs/operations.md lists every family.
#ifndef CIVHUB_SERVER_SERVER_METRICS_H_
#define CIVHUB_SERVER_SERVER_METRICS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hubnode/hub_node.h"
#include "node/base/metrics.h"
#include "server/connection_guard.h"
#include "server/peer_metrics.h"

namespace civhub::server {

struct ServerMetricsSources {
  hubnode::HubNode* node = nullptr;  // With its federation.
  std::string store_dir;             // Its bytes on disk are the store size.
  absl::Time started_at;
  const ConnectionGuard* public_guard = nullptr;      // May be null.
  const ConnectionGuard* federation_guard = nullptr;  // May be null.
  // The calls made to each peer (peer_metrics.h); may be null.
  const CountingTransport* peer_calls = nullptr;
};

// Thread-safe; everything in `sources` must outlive it. Collect() reads the
// store and walks the store's directory: call it on a worker, not an I/O
// thread. A read error of the peer table leaves the peer families out.
class ServerMetrics : public prometheus::Collectable {
 public:
  explicit ServerMetrics(ServerMetricsSources sources)
      : sources_(std::move(sources)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ServerMetricsSources sources_;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_SERVER_METRICS_H_
