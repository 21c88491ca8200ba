// Where work that may run in parallel runs. Hub::IngestMany checks records
// (signatures, validation, index terms) on helpers while its caller applies
// them in order: production hands it a pool of threads kept for the life of
// the process, the simulator an InlineExecutor that keeps everything on its
// one thread, so that a seed replays identically.
#ifndef CIVHUB_NODE_BASE_EXECUTOR_H_
#define CIVHUB_NODE_BASE_EXECUTOR_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace civhub::node {

// Implementations are thread-safe: any number of callers may run work at
// once.
class Executor {
 public:
  virtual ~Executor() = default;

  // Threads that may run work at once, the caller's included: at least 1.
  virtual int parallelism() const = 0;

  // Runs `caller` on the calling thread while up to `helpers` copies of
  // `helper` run on other threads, as many as are free; returns once
  // `caller` has returned and no copy of `helper` is running. A copy not
  // started by the time `caller` returns never starts. So nothing promises
  // that a helper runs at all: `caller` must finish the work by itself if
  // none comes (typically both take items from one shared counter, and the
  // caller waits only for items a running helper has taken).
  virtual void RunWithHelpers(int helpers, const std::function<void()>& helper,
                              const std::function<void()>& caller) = 0;
};

// Runs `caller` alone, on the calling thread: no helper ever starts. For
// the simulator, which runs on one thread.
class InlineExecutor : public Executor {
 public:
  int parallelism() const override { return 1; }
  void RunWithHelpers(int, const std::function<void()>&,
                      const std::function<void()>& caller) override {
    caller();
  }
};

// A fixed number of helper threads, started on first use and kept until the
// pool is destroyed, so that a call costs no thread creation. Copies of
// `helper` wait in one queue, oldest call first.
class ThreadPool : public Executor {
 public:
  // `threads` helper threads (0: none; callers then do all the work).
  explicit ThreadPool(int threads);
  // Joins the threads. No RunWithHelpers call may be running.
  ~ThreadPool() override;

  int parallelism() const override { return threads_ + 1; }
  void RunWithHelpers(int helpers, const std::function<void()>& helper,
                      const std::function<void()>& caller) override;

 private:
  // One RunWithHelpers call's copies of `helper`.
  struct Call {
    const std::function<void()>* helper;
    int unstarted;    // Copies still to start.
    int running = 0;  // Copies running now.
  };
  void Work();

  const int threads_;
  absl::Mutex mu_;
  // Calls with copies still to start; a call leaves it when its last copy
  // starts or when its caller returns.
  std::deque<Call*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
};

// The process-wide pool: a helper thread per core beyond the caller's.
// Never deleted; its threads start when it is first given work.
Executor* DefaultExecutor();

}  // namespace civhub::node

#endif  // CIVHUB_NODE_BASE_EXECUTOR_H_
