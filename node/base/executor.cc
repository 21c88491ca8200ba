#include "node/base/executor.h"

#include <algorithm>

namespace civhub::node {

ThreadPool::ThreadPool(int threads) : threads_(std::max(threads, 0)) {}

ThreadPool::~ThreadPool() {
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
}

void ThreadPool::RunWithHelpers(int helpers,
                                const std::function<void()>& helper,
                                const std::function<void()>& caller) {
  helpers = std::min(helpers, threads_);
  if (helpers <= 0) {
    caller();
    return;
  }
  Call call{&helper, helpers};
  {
    absl::MutexLock lock(&mu_);
    // Started on first use: a process that never ingests a batch (a test,
    // a tool) has no idle threads.
    while (static_cast<int>(workers_.size()) < threads_) {
      workers_.emplace_back([this] { Work(); });
    }
    queue_.push_back(&call);
  }
  caller();
  absl::MutexLock lock(&mu_);
  // Copies that have not started never will: `caller` did their share.
  if (call.unstarted > 0) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), &call));
    call.unstarted = 0;
  }
  mu_.Await(absl::Condition(
      +[](Call* c) { return c->running == 0; }, &call));
}

void ThreadPool::Work() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](ThreadPool* p) { return p->stopping_ || !p->queue_.empty(); },
        this));
    if (stopping_) return;
    Call* call = queue_.front();
    if (--call->unstarted == 0) queue_.pop_front();
    ++call->running;
    mu_.Unlock();
    (*call->helper)();
    mu_.Lock();
    // The caller may return (and `call` end) as soon as this reaches 0.
    --call->running;
  }
}

Executor* DefaultExecutor() {
  // hardware_concurrency() reads /sys on every call: asked once.
  static Executor* const pool = new ThreadPool(
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) - 1);
  return pool;
}

}  // namespace civhub::node
