#include "node/base/call_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace civhub::node {
namespace {

// One worker, held busy by a call that waits for `release`.
class OneWorkerGate {
 public:
  explicit OneWorkerGate(CallLimits limits = {}) : gate_(Limits(limits)) {
    absl::Notification running;
    EXPECT_TRUE(gate_
                    .Submit(Call("holder",
                                 [this, &running](CallOutcome) {
                                   running.Notify();
                                   release_.WaitForNotification();
                                 }))
                    .ok());
    running.WaitForNotification();
  }
  ~OneWorkerGate() {
    Release();
    gate_.Stop();
  }

  static CallGate::Call Call(std::string client,
                             std::function<void(CallOutcome)> run) {
    CallGate::Call call;
    call.client = std::move(client);
    call.run = std::move(run);
    return call;
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  CallGate& gate() { return gate_; }

 private:
  static CallLimits Limits(CallLimits limits) {
    limits.workers = 1;
    return limits;
  }
  absl::Notification release_;
  CallGate gate_;
};

TEST(CallGateTest, AClientBeyondItsLimitIsRefusedAndOthersAreNot) {
  OneWorkerGate held;
  absl::BlockingCounter done(15 + 1 + 100);
  auto count = [&done](CallOutcome) { done.DecrementCount(); };
  // "holder" has one running; 15 more fill its 16.
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(held.gate().Submit(OneWorkerGate::Call("holder", count)).ok());
  }
  EXPECT_EQ(held.gate().InFlight("holder"), 16);
  absl::Status refused =
      held.gate().Submit(OneWorkerGate::Call("holder", count));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(
      absl::StrContains(refused.message(),
                        "too many calls in flight from your address (16); "
                        "wait for answers before sending more"))
      << refused;
  EXPECT_TRUE(held.gate().Submit(OneWorkerGate::Call("other", count)).ok());
  // The local admin socket ("") is not limited.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(held.gate().Submit(OneWorkerGate::Call("", count)).ok());
  }
  held.Release();
  done.Wait();
  // Answered calls no longer count.
  EXPECT_TRUE(held.gate()
                  .Submit(OneWorkerGate::Call("holder", [](CallOutcome) {}))
                  .ok());
}

TEST(CallGateTest, CallsWaitingOnTheWholeHubAreBounded) {
  // Declared before the gate: its destructor runs the queued calls.
  std::atomic<int> ran{0};
  auto count = [&ran](CallOutcome) { ++ran; };
  CallLimits limits;
  limits.max_queued_calls = 4;
  OneWorkerGate held(limits);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(held.gate()
                    .Submit(OneWorkerGate::Call("c" + std::to_string(i), count))
                    .ok());
  }
  absl::Status refused = held.gate().Submit(OneWorkerGate::Call("c9", count));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.message(), "4 calls waiting"))
      << refused;
}

TEST(CallGateTest, ClientsTakeTurnsSoALongQueueDelaysOthersByOneCall) {
  OneWorkerGate held;
  absl::Mutex mu;
  std::vector<std::string> order;
  absl::BlockingCounter done(15 + 2);
  auto record = [&](std::string name) {
    return [&, name](CallOutcome) {
      {
        absl::MutexLock lock(&mu);
        order.push_back(name);
      }
      done.DecrementCount();
    };
  };
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(held.gate()
                    .Submit(OneWorkerGate::Call(
                        "flood", record("flood" + std::to_string(i))))
                    .ok());
  }
  ASSERT_TRUE(
      held.gate().Submit(OneWorkerGate::Call("normal", record("normal"))).ok());
  ASSERT_TRUE(
      held.gate().Submit(OneWorkerGate::Call("late", record("late"))).ok());
  held.Release();
  done.Wait();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(order.size(), 17u);
  // The flood's first call, then each other client's before the flood's
  // second.
  EXPECT_EQ(order[0], "flood0");
  EXPECT_EQ(order[1], "normal");
  EXPECT_EQ(order[2], "late");
  EXPECT_EQ(order[3], "flood1");
}

TEST(CallGateTest, ACallCancelledBeforeAWorkerReachesItIsDropped) {
  OneWorkerGate held;
  std::atomic<bool> cancelled{false};
  absl::Notification done;
  CallOutcome outcome = CallOutcome::kRun;
  CallGate::Call call = OneWorkerGate::Call("client", [&](CallOutcome o) {
    outcome = o;
    done.Notify();
  });
  call.cancelled = [&cancelled] { return cancelled.load(); };
  ASSERT_TRUE(held.gate().Submit(std::move(call)).ok());
  cancelled = true;  // The client gives up while the call waits.
  held.Release();
  done.WaitForNotification();
  EXPECT_EQ(outcome, CallOutcome::kCancelled);
}

TEST(CallGateTest, StopAnswersQueuedCallsAndRefusesNewOnes) {
  OneWorkerGate held;
  absl::Notification done;
  CallOutcome outcome = CallOutcome::kRun;
  ASSERT_TRUE(held.gate()
                  .Submit(OneWorkerGate::Call("client",
                                              [&](CallOutcome o) {
                                                outcome = o;
                                                done.Notify();
                                              }))
                  .ok());
  std::thread stopper([&held] { held.gate().Stop(); });
  // Stopping once new calls are refused.
  while (
      held.gate().Submit(OneWorkerGate::Call("", [](CallOutcome) {})).code() !=
      absl::StatusCode::kUnavailable) {
  }
  held.Release();
  stopper.join();
  done.WaitForNotification();
  EXPECT_EQ(outcome, CallOutcome::kStopped);
}

}  // namespace
}  // namespace civhub::node
