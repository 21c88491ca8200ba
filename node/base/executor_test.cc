#include "node/base/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace civhub::node {
namespace {

// `n` items shared by the caller and the helpers of one RunWithHelpers
// call, the way Hub::IngestMany shares records: each takes the next one.
class Items {
 public:
  explicit Items(size_t n) : done_by_(n) {}

  // Does items until none is left, as the calling thread.
  void Work() {
    for (size_t i = next_++; i < done_by_.size(); i = next_++) {
      absl::MutexLock lock(&mu_);
      done_by_[i].push_back(std::this_thread::get_id());
    }
  }
  // Each item was done exactly once.
  bool AllDoneOnce() {
    absl::MutexLock lock(&mu_);
    for (const auto& by : done_by_) {
      if (by.size() != 1) return false;
    }
    return true;
  }
  // Items done by `thread`.
  size_t DoneBy(std::thread::id thread) {
    absl::MutexLock lock(&mu_);
    size_t count = 0;
    for (const auto& by : done_by_) count += !by.empty() && by[0] == thread;
    return count;
  }

 private:
  std::atomic<size_t> next_{0};
  absl::Mutex mu_;
  std::vector<std::vector<std::thread::id>> done_by_ ABSL_GUARDED_BY(mu_);
};

TEST(ThreadPoolTest, DoesAllWorkOnceWithHelpersOnOtherThreads) {
  ThreadPool pool(2);
  EXPECT_EQ(pool.parallelism(), 3);
  Items items(1000);
  absl::Mutex mu;
  int started = 0;
  std::set<std::thread::id> helpers;
  pool.RunWithHelpers(
      2,
      [&] {
        {
          // Each waits for the other: two threads run at once.
          absl::MutexLock lock(&mu);
          ++started;
          helpers.insert(std::this_thread::get_id());
          mu.Await(absl::Condition(
              +[](int* n) { return *n == 2; }, &started));
        }
        items.Work();
      },
      [&] {
        // Both helpers are free: the caller sees them start before it
        // works, so all three share the items.
        {
          absl::MutexLock lock(&mu);
          mu.Await(absl::Condition(
              +[](int* n) { return *n == 2; }, &started));
        }
        items.Work();
      });
  EXPECT_TRUE(items.AllDoneOnce());
  EXPECT_EQ(helpers.size(), 2u);
  EXPECT_EQ(helpers.count(std::this_thread::get_id()), 0u);
}

TEST(ThreadPoolTest, CallerDoesTheWorkWhenNoHelperIsFree) {
  // The pool's one thread is busy with another call's helper: this call
  // still finishes, all on its caller, and its helper never starts.
  ThreadPool pool(1);
  absl::Notification helper_started, release;
  std::thread other([&] {
    pool.RunWithHelpers(
        1,
        [&] {
          helper_started.Notify();
          release.WaitForNotification();
        },
        [&] { helper_started.WaitForNotification(); });
  });
  helper_started.WaitForNotification();

  Items items(100);
  std::atomic<int> helper_runs{0};
  pool.RunWithHelpers(
      1,
      [&] {
        ++helper_runs;
        items.Work();
      },
      [&] { items.Work(); });
  EXPECT_TRUE(items.AllDoneOnce());
  EXPECT_EQ(items.DoneBy(std::this_thread::get_id()), 100u);

  release.Notify();
  other.join();
  // The worker is free now; the finished call's helper is not run late.
  pool.RunWithHelpers(
      0, [] {}, [] {});
  EXPECT_EQ(helper_runs.load(), 0);
}

TEST(ThreadPoolTest, ServesManyCallersAtOnce) {
  ThreadPool pool(2);
  std::vector<std::unique_ptr<Items>> items;
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) items.push_back(std::make_unique<Items>(500));
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&pool, it = items[c].get()] {
      for (int round = 0; round < 20; ++round) {
        Items mine(50);
        pool.RunWithHelpers(
            2, [&] { mine.Work(); }, [&] { mine.Work(); });
        EXPECT_TRUE(mine.AllDoneOnce());
      }
      pool.RunWithHelpers(
          2, [it] { it->Work(); }, [it] { it->Work(); });
    });
  }
  for (std::thread& t : callers) t.join();
  for (const auto& it : items) EXPECT_TRUE(it->AllDoneOnce());
}

TEST(ThreadPoolTest, WithoutThreadsTheCallerDoesEverything) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.parallelism(), 1);
  Items items(100);
  pool.RunWithHelpers(
      4, [&] { items.Work(); }, [&] { items.Work(); });
  EXPECT_EQ(items.DoneBy(std::this_thread::get_id()), 100u);
}

TEST(InlineExecutorTest, RunsOnlyTheCallerOnTheCallingThread) {
  InlineExecutor inline_executor;
  EXPECT_EQ(inline_executor.parallelism(), 1);
  Items items(100);
  bool helper_ran = false;
  inline_executor.RunWithHelpers(
      8,
      [&] {
        helper_ran = true;
        items.Work();
      },
      [&] { items.Work(); });
  EXPECT_FALSE(helper_ran);
  EXPECT_TRUE(items.AllDoneOnce());
  EXPECT_EQ(items.DoneBy(std::this_thread::get_id()), 100u);
}

TEST(DefaultExecutorTest, OneThreadPerCore) {
  Executor* executor = DefaultExecutor();
  EXPECT_EQ(executor, DefaultExecutor());
  EXPECT_EQ(
      executor->parallelism(),
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace civhub::node
