#include "server/merge_schedule.h"

#include <gtest/gtest.h>

namespace civhub::server {
namespace {

constexpr absl::Duration kTick = absl::Seconds(2);
const absl::Time kStart = absl::FromUnixSeconds(1800000000);

TEST(MergeSchedule, AQuietStoreMergesAtOnceThenRests) {
  MergeSchedule s;
  EXPECT_TRUE(s.ShouldMerge(kStart, 500));
  s.Rest(kStart, 500);
  // A trickle of publishes does not wake it before the rest is over.
  absl::Time t = kStart;
  uint64_t change = 500;
  for (; t < kStart + MergeSchedule::kRest; t += kTick, change += 10) {
    EXPECT_FALSE(s.ShouldMerge(t, change)) << t;
  }
  EXPECT_TRUE(s.ShouldMerge(t, change));
}

TEST(MergeSchedule, BulkWritesWaitForAQuietTick) {
  // Found measuring an HSDS import of 100,000: the merge woke after 10,000
  // changes and merged, then compacted, beside the import.
  MergeSchedule s;
  ASSERT_TRUE(s.ShouldMerge(kStart, 0));
  s.Rest(kStart, 0);
  absl::Time t = kStart + kTick;
  uint64_t change = 0;
  // 5,000 records a tick, for 100,000 records: past the wake-up count, but
  // no merge while they come.
  for (int i = 0; i < 20; ++i, t += kTick) {
    change += 5000;
    EXPECT_FALSE(s.ShouldMerge(t, change)) << "tick " << i;
  }
  // The first quiet tick merges.
  EXPECT_TRUE(s.ShouldMerge(t, change + 3));
}

TEST(MergeSchedule, AStoreWrittenWithoutPauseStillMerges) {
  MergeSchedule s;
  ASSERT_TRUE(s.ShouldMerge(kStart, 0));
  s.Rest(kStart, 0);
  absl::Time t = kStart + kTick;
  uint64_t change = 0;
  const absl::Time first_busy = t;
  for (; t - first_busy < MergeSchedule::kMaxWait; t += kTick) {
    change += MergeSchedule::kBusyChanges;
    EXPECT_FALSE(s.ShouldMerge(t, change)) << t - first_busy;
  }
  change += MergeSchedule::kBusyChanges;
  EXPECT_TRUE(s.ShouldMerge(t, change));
}

TEST(MergeSchedule, AStoreThatOpensWithManyChangesIsNotBusy) {
  // The first tick has nothing to compare with: a hub restarted on a store
  // of a million records merges what it left.
  MergeSchedule s;
  EXPECT_TRUE(s.ShouldMerge(kStart, 1000000));
}

}  // namespace
}  // namespace civhub::server
