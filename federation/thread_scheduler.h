// The production Scheduler: a few worker threads and a timer queue on the
// real clock. Thread-safe.
#ifndef CIVHUB_FEDERATION_THREAD_SCHEDULER_H_
#define CIVHUB_FEDERATION_THREAD_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "federation/transport.h"

namespace civhub::federation {

class ThreadScheduler : public Scheduler {
 public:
  explicit ThreadScheduler(int threads);
  ~ThreadScheduler() override;

  void RunAfter(absl::Duration delay, std::function<void()> fn) override;

  // Drops queued work, waits for running work, joins the threads; later
  // RunAfter calls do nothing. Idempotent.
  void Shutdown();

 private:
  void Work();

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  // (due, id) -> work; id keeps equal due times in submission order.
  std::map<std::pair<absl::Time, uint64_t>, std::function<void()>> queue_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_THREAD_SCHEDULER_H_
