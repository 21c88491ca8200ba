#include "node/base/metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "absl/strings/str_replace.h"

namespace civhub::metrics {

prometheus::Registry& ProcessRegistry() {
  static auto* registry = new prometheus::Registry();
  return *registry;
}

std::string Render(std::vector<prometheus::MetricFamily> families) {
  // prometheus-cpp 1.0.1 escapes label values but writes HELP text as it
  // is: a backslash or newline in it would break the format.
  for (prometheus::MetricFamily& f : families) {
    f.help = absl::StrReplaceAll(f.help, {{"\\", "\\\\"}, {"\n", "\\n"}});
  }
  // Sorted, so a reader (or a diff of two scrapes) finds a family by name.
  std::stable_sort(
      families.begin(), families.end(),
      [](const prometheus::MetricFamily& a, const prometheus::MetricFamily& b) {
        return a.name < b.name;
      });
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::string Render(const std::vector<const prometheus::Collectable*>& more) {
  std::vector<prometheus::MetricFamily> families = ProcessRegistry().Collect();
  for (const prometheus::Collectable* c : more) {
    if (c == nullptr) continue;
    for (prometheus::MetricFamily& f : c->Collect())
      families.push_back(std::move(f));
  }
  return Render(std::move(families));
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

FamilyBuilder& FamilyBuilder::Gauge(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  families_.push_back(std::move(f));
  return *this;
}

FamilyBuilder& FamilyBuilder::Counter(std::string name, std::string help) {
  Gauge(std::move(name), std::move(help));
  families_.back().type = prometheus::MetricType::Counter;
  return *this;
}

FamilyBuilder& FamilyBuilder::Add(
    double value, const std::map<std::string, std::string>& labels) {
  prometheus::MetricFamily& f = families_.back();
  prometheus::ClientMetric m;
  for (const auto& [name, v] : labels) m.label.push_back({name, v});
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return *this;
}

}  // namespace civhub::metrics
