// Admission and a small worker pool for the public Directory's calls, so a
// call costs a queue entry rather than a thread, and one client's calls can
// neither crowd out another's nor grow without bound.
#ifndef CIVHUB_NODE_BASE_CALL_GATE_H_
#define CIVHUB_NODE_BASE_CALL_GATE_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace civhub::node {

struct CallLimits {
  // Threads that run calls; 0: max(2, hardware threads).
  int workers = 0;
  // Calls one client (federation::ClientKey) may have queued or running at
  // once.
  int max_calls_per_client = 16;
  // Calls waiting for a worker, all clients together.
  int max_queued_calls = 1024;
};

// How a submitted call's `run` is invoked.
enum class CallOutcome {
  kRun,        // Do the work.
  kCancelled,  // Its client cancelled before a worker reached it: don't.
  kStopped,    // The gate is stopping: don't; answer UNAVAILABLE.
};

// Runs calls on `workers` threads, round-robin across clients: each worker
// takes the next call of the next client with calls waiting, so a client
// with a long queue delays another client's call by at most one call per
// worker. Calls from the client "" (the local admin socket) are not
// limited. Thread-safe.
class CallGate {
 public:
  struct Call {
    // federation::ClientKey() of the caller.
    std::string client;
    // Asked just before the call runs; true drops it (kCancelled). May be
    // empty.
    std::function<bool()> cancelled;
    // Invoked exactly once on a worker (or by Stop), with the outcome.
    std::function<void(CallOutcome)> run;
    // False: neither limit applies nor is the call counted against them
    // (work a service does for an admitted stream, such as a Watch batch);
    // it still takes its turn among the client's calls.
    bool limited = true;
  };

  explicit CallGate(const CallLimits& limits);
  // Stop()s.
  ~CallGate();

  // Queues `call`, or refuses it with RESOURCE_EXHAUSTED saying which limit
  // and what to do (the call's `run` is then never invoked), or
  // UNAVAILABLE once stopping.
  absl::Status Submit(Call call);

  // Refuses new calls, invokes every queued call's `run` with kStopped,
  // waits for running ones and joins the workers. Idempotent.
  void Stop();

  // Calls of `client` queued or running (limited ones); for tests.
  int InFlight(const std::string& client) const;
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  struct Client {
    std::deque<Call> queued;
    int in_flight = 0;  // Limited calls queued or running.
  };

  void Work();

  const CallLimits limits_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Client> clients_ ABSL_GUARDED_BY(mu_);
  // Clients with calls queued, in the order they get their next turn.
  std::deque<std::string> turns_ ABSL_GUARDED_BY(mu_);
  int queued_ ABSL_GUARDED_BY(mu_) = 0;  // Limited calls queued.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_BASE_CALL_GATE_H_
