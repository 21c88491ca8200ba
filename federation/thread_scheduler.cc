#include "federation/thread_scheduler.h"

namespace civhub::federation {

ThreadScheduler::ThreadScheduler(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

ThreadScheduler::~ThreadScheduler() { Shutdown(); }

void ThreadScheduler::RunAfter(absl::Duration delay, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  queue_.emplace(std::make_pair(absl::Now() + delay, next_id_++),
                 std::move(fn));
}

void ThreadScheduler::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
  }
  for (std::thread& t : threads_) t.join();
}

void ThreadScheduler::Work() {
  while (true) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stopping_) return;
        if (!queue_.empty() && queue_.begin()->first.first <= absl::Now())
          break;
        // Wake at the next due time, or when work is added.
        absl::Duration wait = queue_.empty()
                                  ? absl::Seconds(1)
                                  : queue_.begin()->first.first - absl::Now();
        auto changed = [this, size = queue_.size(),
                        first = queue_.empty() ? absl::InfiniteFuture()
                                               : queue_.begin()->first.first]()
                           ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                             return stopping_ || queue_.size() != size ||
                                    (!queue_.empty() &&
                                     queue_.begin()->first.first != first);
                           };
        mu_.AwaitWithTimeout(absl::Condition(&changed), wait);
      }
      fn = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
    }
    fn();
  }
}

}  // namespace civhub::federation
