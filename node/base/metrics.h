// The hub's metrics, in the Prometheus text exposition format (0.0.4).
//
// Counters, gauges and histograms come from prometheus-cpp's core library
// (Debian's prometheus-cpp-dev): its Registry holds the families code
// records into, its TextSerializer writes the format (HELP and TYPE lines,
// label escaping, histograms' _bucket{le=…}/_sum/_count with +Inf). civhub
// keeps one process-wide Registry (ProcessRegistry()): civhubd runs one hub
// per process, and a layer as low as node/ records into it without a
// registry being passed through every constructor. Figures the hub already
// keeps (records by kind, peers, memory) are read at scrape time by a
// Collectable the server passes to Render, not counted twice.
//
// Every civhub metric is named civhub_…, with its unit in the name
// (_seconds, _bytes, _total for counters); docs/operations.md lists them.
//
// Thread-safe: prometheus-cpp's families and metrics may be used from any
// thread.
#ifndef CIVHUB_NODE_BASE_METRICS_H_
#define CIVHUB_NODE_BASE_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::metrics {

// The registry every part of the process records into. Never destroyed.
prometheus::Registry& ProcessRegistry();

// The content type of Render's text.
inline constexpr char kContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// The families of ProcessRegistry() and those `more` collect now (each may
// be null), in the text exposition format, families sorted by name.
std::string Render(const std::vector<const prometheus::Collectable*>& more);
// The same for the given families only.
std::string Render(std::vector<prometheus::MetricFamily> families);

// Latency buckets in seconds, 0.5 ms to 10 s (a search, an HTTP or gRPC
// request).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// Builds families at scrape time (for a Collectable's Collect()).
class FamilyBuilder {
 public:
  // Starts a family; later Add* calls go to it.
  FamilyBuilder& Gauge(std::string name, std::string help);
  FamilyBuilder& Counter(std::string name, std::string help);
  // One sample of the current family.
  FamilyBuilder& Add(double value,
                     const std::map<std::string, std::string>& labels = {});
  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace civhub::metrics

#endif  // CIVHUB_NODE_BASE_METRICS_H_
