// The simulator's seeds in ctest: a range of seeded scenarios must keep
// every property, and a seed must replay exactly.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "sim/scenario.h"

namespace civhub::sim {
namespace {

// Small enough for CI; scripts/sim-seeds runs thousands.
constexpr uint64_t kSeeds = 200;

class SeededScenario : public ::testing::TestWithParam<uint64_t> {
 protected:
  // Refusals are part of every scenario (the spammer, the forger).
  static void SetUpTestSuite() { spdlog::set_level(spdlog::level::off); }
};

TEST_P(SeededScenario, AllPropertiesHold) {
  ScenarioOptions options;
  options.seed = GetParam();
  ScenarioResult r =
      RunScenario(options, absl::StrCat("/sim-test/", GetParam()));
  EXPECT_TRUE(r.violations.empty()) << r.Summary();
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeededScenario,
                         ::testing::Range<uint64_t>(1, kSeeds + 1));

TEST(Scenario, SameSeedSameRun) {
  ScenarioOptions options;
  options.seed = 7;
  ScenarioResult a = RunScenario(options, "/sim-replay/a");
  ScenarioResult b = RunScenario(options, "/sim-replay/b");
  EXPECT_EQ(a.traffic.calls, b.traffic.calls);
  EXPECT_EQ(a.traffic.request_bytes, b.traffic.request_bytes);
  EXPECT_EQ(a.traffic.response_bytes, b.traffic.response_bytes);
  EXPECT_EQ(a.simulated, b.simulated);
  options.seed = 8;
  ScenarioResult c = RunScenario(options, "/sim-replay/c");
  EXPECT_NE(a.traffic.request_bytes, c.traffic.request_bytes);
}

}  // namespace
}  // namespace civhub::sim
