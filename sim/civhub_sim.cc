// civhub-sim: runs seeded federation scenarios on the simulated network.
//   civhub-sim --seed 42            replay one seed
//   civhub-sim --seeds 1000         seeds 1..1000 (see scripts/sim-seeds)
// Exits 1 if any property failed; each failure prints how to replay it.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "sim/scenario.h"

int main(int argc, char** argv) {
  CLI::App app{"civhub-sim: seeded federation scenarios"};
  uint64_t seed = 0, seeds = 0, first = 1;
  int hubs = 0, publishes = 60;
  double loss = 0.01;
  double quiet_seconds = 600;
  app.add_option("--seed", seed, "Run this one seed");
  app.add_option("--seeds", seeds, "Run this many seeds, from --first");
  app.add_option("--first", first, "First seed with --seeds")
      ->capture_default_str();
  app.add_option("--hubs", hubs, "Honest hubs (0: 6-12 from the seed)");
  app.add_option("--publishes", publishes, "Publishes during the run")
      ->capture_default_str();
  app.add_option("--loss", loss, "Message loss")->capture_default_str();
  app.add_option("--quiet", quiet_seconds,
                 "Simulated seconds of calm before the checks")
      ->capture_default_str();
  bool verbose = false;
  app.add_flag("--verbose", verbose, "Show the hubs' log lines");
  CLI11_PARSE(app, argc, argv);
  // Refusals are part of every scenario (the spammer, the forger).
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::off);
  if (seed == 0 && seeds == 0) seeds = 1;
  const uint64_t from = seed != 0 ? seed : first;
  const uint64_t to = seed != 0 ? seed : first + seeds - 1;
  int failed = 0;
  for (uint64_t s = from; s <= to; ++s) {
    civhub::sim::ScenarioOptions options;
    options.seed = s;
    options.hubs = hubs;
    options.publishes = publishes;
    options.loss = loss;
    options.quiet = absl::Seconds(quiet_seconds);
    civhub::sim::ScenarioResult r =
        civhub::sim::RunScenario(options, absl::StrCat("/civhub-sim/", s));
    // Every seed's line: its calls and bytes are the run's fingerprint, the
    // same on every replay (a change that should not alter behaviour must
    // leave these lines as they were).
    std::cout << r.Summary() << "\n";
    if (!r.violations.empty()) ++failed;
  }
  std::cout << (to - from + 1) << " seeds, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
