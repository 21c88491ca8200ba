#include "node/base/call_gate.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace civhub::node {

CallGate::CallGate(const CallLimits& limits) : limits_(limits) {
  int workers = limits.workers;
  if (workers <= 0) {
    workers =
        std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  }
  threads_.reserve(workers);
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
}

CallGate::~CallGate() { Stop(); }

absl::Status CallGate::Submit(Call call) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the hub is shutting down");
  const bool limited = call.limited && !call.client.empty();
  Client& client = clients_[call.client];
  if (limited) {
    if (client.in_flight >= limits_.max_calls_per_client) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many calls in flight from your address (",
                       limits_.max_calls_per_client,
                       "); wait for answers before sending more"));
    }
    if (queued_ >= limits_.max_queued_calls) {
      return absl::ResourceExhaustedError(
          absl::StrCat("this hub has ", limits_.max_queued_calls,
                       " calls waiting to run; retry in a few seconds"));
    }
    ++client.in_flight;
    ++queued_;
  }
  if (client.queued.empty()) turns_.push_back(call.client);
  call.limited = limited;
  client.queued.push_back(std::move(call));
  return absl::OkStatus();
}

void CallGate::Work() {
  for (;;) {
    Call call;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CallGate* g) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g->mu_) {
            return g->stopping_ || !g->turns_.empty();
          },
          this));
      if (turns_.empty()) return;  // Stopping, and nothing left to run.
      std::string key = std::move(turns_.front());
      turns_.pop_front();
      Client& client = clients_[key];
      call = std::move(client.queued.front());
      client.queued.pop_front();
      if (call.limited) --queued_;
      // The client's next call waits for every other client's turn.
      if (!client.queued.empty()) turns_.push_back(std::move(key));
    }
    CallOutcome outcome = CallOutcome::kRun;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) outcome = CallOutcome::kStopped;
    }
    if (outcome == CallOutcome::kRun && call.cancelled && call.cancelled()) {
      outcome = CallOutcome::kCancelled;
    }
    call.run(outcome);
    absl::MutexLock lock(&mu_);
    // A running limited call keeps its client's entry (in_flight > 0).
    auto it = clients_.find(call.client);
    if (it == clients_.end()) continue;
    if (call.limited) --it->second.in_flight;
    if (it->second.in_flight == 0 && it->second.queued.empty()) {
      clients_.erase(it);
    }
  }
}

void CallGate::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Workers drain the queues with kStopped, then exit.
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

int CallGate::InFlight(const std::string& client) const {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client);
  return it == clients_.end() ? 0 : it->second.in_flight;
}

}  // namespace civhub::node
