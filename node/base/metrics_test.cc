#include "node/base/metrics.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace civhub::metrics {
namespace {

TEST(MetricsTest, CounterHasHelpTypeAndEscapedLabels) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter()
                     .Name("civhub_test_things_total")
                     .Help("Things, with a \\ backslash\nand a newline")
                     .Register(registry);
  family.Add({{"path", "a \"quoted\" \\ value\nover lines"}}).Increment(3);
  std::string text = Render(registry.Collect());
  EXPECT_TRUE(absl::StrContains(
      text,
      "# HELP civhub_test_things_total Things, with a \\\\ backslash\\nand a "
      "newline\n"))
      << text;
  EXPECT_TRUE(
      absl::StrContains(text, "# TYPE civhub_test_things_total counter\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_things_total{path=\"a \\\"quoted\\\" \\\\ value\\nover "
      "lines\"} 3\n"))
      << text;
}

TEST(MetricsTest, HistogramHasCumulativeBucketsInfSumAndCount) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildHistogram()
                     .Name("civhub_test_duration_seconds")
                     .Help("Durations")
                     .Register(registry);
  auto& h = family.Add({{"class", "text"}}, LatencyBuckets());
  h.Observe(0.0007);  // In le=0.001 and above.
  h.Observe(0.3);     // In le=0.5 and above.
  h.Observe(60);      // Only in +Inf.
  std::string text = Render(registry.Collect());
  EXPECT_TRUE(
      absl::StrContains(text, "# TYPE civhub_test_duration_seconds histogram"));
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_duration_seconds_bucket{class=\"text\",le=\"0.0005\"} 0\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_duration_seconds_bucket{class=\"text\",le=\"0.001\"} 1\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_duration_seconds_bucket{class=\"text\",le=\"0.5\"} 2\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_duration_seconds_bucket{class=\"text\",le=\"10\"} 2\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "civhub_test_duration_seconds_bucket{class=\"text\",le=\"+Inf\"} 3\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "civhub_test_duration_seconds_count{class=\"text\"} 3\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "civhub_test_duration_seconds_sum{class=\"text\"} 60.3007\n"))
      << text;
}

TEST(MetricsTest, ScrapeTimeFamiliesAreSortedByName) {
  FamilyBuilder b;
  b.Gauge("civhub_zeta", "Last").Add(1);
  b.Counter("civhub_alpha_total", "First").Add(2, {{"kind", "a"}});
  std::string text = Render(b.Take());
  size_t alpha = text.find("# HELP civhub_alpha_total First\n");
  size_t zeta = text.find("# HELP civhub_zeta Last\n");
  ASSERT_NE(alpha, std::string::npos) << text;
  ASSERT_NE(zeta, std::string::npos) << text;
  EXPECT_LT(alpha, zeta);
  EXPECT_TRUE(absl::StrContains(text, "# TYPE civhub_alpha_total counter\n"));
  EXPECT_TRUE(absl::StrContains(text, "civhub_alpha_total{kind=\"a\"} 2\n"));
  EXPECT_TRUE(
      absl::StrContains(text, "# TYPE civhub_zeta gauge\ncivhub_zeta 1\n"));
}

}  // namespace
}  // namespace civhub::metrics
