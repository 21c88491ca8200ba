// When civhubd's housekeeper merges small posting blocks
// (HubServer::MergePostings, Store::MergePostingBlocks): free of threads and
// clocks, so that the policy can be tested tick by tick.
#ifndef CIVHUB_SERVER_MERGE_SCHEDULE_H_
#define CIVHUB_SERVER_MERGE_SCHEDULE_H_

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace civhub::server {

class MergeSchedule {
 public:
  // After a whole pass over the posting lists, the merge rests this long,
  // or until this many more changes were applied (a bootstrap, an import).
  static constexpr absl::Duration kRest = absl::Minutes(5);
  static constexpr uint64_t kChangesToWake = 10000;
  // A store that took this many changes since the previous tick (500 a
  // second at the housekeeper's 2 s) is being written in bulk: merging
  // then takes CPU from the writer, and merges blocks the writer is still
  // adding to, so the merge waits for a quiet tick (found measuring an
  // HSDS import: a merge pass and the compaction after it ran beside the
  // import's second half) — but not longer than kMaxWait, so that a hub
  // written without pause still merges.
  static constexpr uint64_t kBusyChanges = 1000;
  static constexpr absl::Duration kMaxWait = absl::Minutes(10);

  // Called at each housekeeping tick with the store's last change
  // (Store::last_change): whether to run merge steps now.
  bool ShouldMerge(absl::Time now, uint64_t last_change);
  // A pass ended (or a step failed): rest from `now`.
  void Rest(absl::Time now, uint64_t last_change);

 private:
  absl::Time resume_at_ = absl::InfinitePast();
  // The last change when the last pass ended.
  uint64_t pass_change_ = 0;
  // The last change at the previous tick, once there was one.
  std::optional<uint64_t> tick_change_;
  // Since when the ticks have found the store busy.
  std::optional<absl::Time> busy_since_;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_MERGE_SCHEDULE_H_
