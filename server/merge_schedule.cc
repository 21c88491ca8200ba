#include "server/merge_schedule.h"

namespace civhub::server {

bool MergeSchedule::ShouldMerge(absl::Time now, uint64_t last_change) {
  const bool busy =
      tick_change_.has_value() && last_change >= *tick_change_ + kBusyChanges;
  tick_change_ = last_change;
  if (!busy) {
    busy_since_.reset();
  } else if (!busy_since_.has_value()) {
    busy_since_ = now;
  }
  if (now < resume_at_ && last_change < pass_change_ + kChangesToWake) {
    return false;  // Resting after a pass.
  }
  return !busy || now - *busy_since_ >= kMaxWait;
}

void MergeSchedule::Rest(absl::Time now, uint64_t last_change) {
  resume_at_ = now + kRest;
  pass_change_ = last_change;
}

}  // namespace civhub::server
