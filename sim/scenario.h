// Seeded end-to-end scenarios on the simulated network: a random network of
// admin-approved links, publishing activity, crashes and restarts, a
// partition that heals, a hub joining late, a hub leaving (its admin
// removes every link), a blocked spammer and a malicious hub that relays
// forged records and forks. After a quiet period the run checks what must
// hold:
//  - every honest hub holds exactly the same latest version of every record
//    of every honest origin, and it is the version its origin holds;
//  - no hub holds a record that does not verify, or of an origin outside
//    the network, or one the departed hub published after it left;
//  - the blocked origin is absent where it was blocked;
//  - the fork is flagged where both bodies arrived;
//  - once converged, further anti-entropy rounds send no record bodies.
// The same seed gives the same run, event for event.
#ifndef CIVHUB_SIM_SCENARIO_H_
#define CIVHUB_SIM_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sim/sim_network.h"

namespace civhub::sim {

struct ScenarioOptions {
  uint64_t seed = 1;
  int hubs = 0;        // 0: between 6 and 12, from the seed.
  int publishes = 60;  // Creates, updates and deletes at honest hubs.
  double loss = 0.01;  // Message loss.
  absl::Duration quiet = absl::Minutes(10);  // Settling time before checks.
};

struct ScenarioResult {
  uint64_t seed = 0;
  int hubs = 0;
  std::vector<std::string> violations;  // Empty: every property held.
  TrafficCounters traffic;
  absl::Duration simulated;
  // A one-line account of the run (and how to replay it).
  std::string Summary() const;
};

// Runs one scenario with stores in memory. `dir` names the in-memory paths.
ScenarioResult RunScenario(const ScenarioOptions& options,
                           const std::string& dir);

}  // namespace civhub::sim

#endif  // CIVHUB_SIM_SCENARIO_H_
