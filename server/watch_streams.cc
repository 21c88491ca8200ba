#include "server/watch_streams.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/grpc/grpc_status.h"
#include "node/search/directory.h"

namespace civhub::server {

// A Watch stream. Its state moves between "busy" (a batch is being read on
// the gate, or a write is outstanding) and "waiting" (caught up, nothing to
// send). Finish is called exactly once, and only while the stream is not
// busy or from the step that ends its busy state; so while a batch is read
// or a write is outstanding the call (and its ServerContext) is alive.
// Lives until OnDone and the last Ref is dropped.
class WatchStream final : public grpc::ServerWriteReactor<v1::WatchResponse> {
 public:
  WatchStream(WatchStreams* owner, grpc::CallbackServerContext* ctx,
              std::string client, uint64_t cursor)
      : owner_(owner), ctx_(ctx), client_(std::move(client)), cursor_(cursor) {}

  const std::string& client() const { return client_; }
  grpc::CallbackServerContext* ctx() const { return ctx_; }

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Reads the first batch.
  void Start() {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;  // Cancelled while it waited for a slot.
      busy_ = true;
      next = ScheduleLocked();
    }
    Do(next);
  }

  // Ends a stream that has not started (it waited for a slot in vain).
  void Refuse(const grpc::Status& status) {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      if (busy_) return;
      next = FinishLocked(status);
    }
    Do(next);
  }

  // What the watcher thread should do with this stream now.
  enum class Due { kNothing, kWake, kIdleEnd, kStalled, kStop };
  Due Check(absl::Time now, uint64_t last_change, bool stopping,
            const WatchLimits& limits) {
    absl::MutexLock lock(&mu_);
    if (finished_) return Due::kNothing;
    if (write_pending_) {
      if (!cancelling_ && now - write_since_ >= limits.write_timeout) {
        cancelling_ = true;
        return Due::kStalled;
      }
      return Due::kNothing;
    }
    if (busy_) return Due::kNothing;
    if (stopping) return Due::kStop;
    if (last_change > cursor_) return Due::kWake;
    if (now - idle_since_ >= limits.idle_timeout) return Due::kIdleEnd;
    return Due::kNothing;
  }

  void Act(Due due) {
    Next next;
    switch (due) {
      case Due::kNothing:
        return;
      case Due::kWake: {
        absl::MutexLock lock(&mu_);
        if (finished_ || busy_) return;
        busy_ = true;
        next = ScheduleLocked();
        break;
      }
      case Due::kIdleEnd:
      case Due::kStop: {
        absl::MutexLock lock(&mu_);
        if (finished_ || busy_) return;
        next = FinishLocked(grpc::Status::OK);
        break;
      }
      case Due::kStalled: {
        // The stream cannot finish meanwhile (so its context stays alive):
        // cancelling_ defers any Finish until here.
        ctx_->TryCancel();
        absl::MutexLock lock(&mu_);
        cancelling_ = false;
        if (finish_deferred_) next = FinishLocked(grpc::Status::CANCELLED);
        break;
      }
    }
    Do(next);
  }

  void OnWriteDone(bool ok) override {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      write_pending_ = false;
      response_ = v1::WatchResponse();
      if (ok && !owner_->stopping()) {
        next = ScheduleLocked();
      } else if (cancelling_) {
        finish_deferred_ = true;
      } else {
        // The client is gone, or the hub stops: nothing more to send.
        next = FinishLocked(ok ? grpc::Status::OK : grpc::Status::CANCELLED);
      }
    }
    Do(next);
  }

  void OnCancel() override {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      // A busy stream finishes from the step in progress, which sees the
      // cancellation.
      if (!busy_) next = FinishLocked(grpc::Status::CANCELLED);
    }
    Do(next);
  }

  void OnDone() override {
    owner_->Closed(this);
    Unref();
  }

 private:
  // What to ask of gRPC once mu_ is released (a reaction may run on the
  // calling thread).
  struct Next {
    enum { kNone, kWrite, kFinish } what = kNone;
    grpc::Status status;
  };

  void Do(const Next& next) {
    if (next.what == Next::kWrite) StartWrite(&response_);
    if (next.what == Next::kFinish) Finish(next.status);
  }

  // Reads the next batch on the gate; busy_ is set.
  Next ScheduleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    node::CallGate::Call call;
    call.client = client_;
    call.limited = false;
    grpc::CallbackServerContext* ctx = ctx_;
    call.cancelled = [ctx] { return ctx->IsCancelled(); };
    Ref();
    call.run = [this](node::CallOutcome outcome) {
      Do(Step(outcome));
      Unref();
    };
    if (absl::Status st = owner_->gate_->Submit(std::move(call)); !st.ok()) {
      Unref();
      return FinishLocked(federation::ToGrpcStatus(st));
    }
    return {};
  }

  // On a gate worker: the next batch, or the caught-up marker, or waiting.
  Next Step(node::CallOutcome outcome) {
    if (outcome != node::CallOutcome::kRun || owner_->stopping()) {
      absl::MutexLock lock(&mu_);
      return FinishLocked(outcome == node::CallOutcome::kCancelled
                              ? grpc::Status::CANCELLED
                              : grpc::Status::OK);
    }
    uint64_t cursor;
    {
      absl::MutexLock lock(&mu_);
      cursor = cursor_;
    }
    absl::StatusOr<std::vector<v1::Change>> changes =
        owner_->hub_->directory().ChangesAfter(cursor,
                                               node::kWatchBatchRecords);
    absl::MutexLock lock(&mu_);
    if (!changes.ok())
      return FinishLocked(federation::ToGrpcStatus(changes.status()));
    if (changes->empty()) {
      if (caught_up_) {
        busy_ = false;
        idle_since_ = absl::Now();
        return {};
      }
      caught_up_ = true;
      response_.set_caught_up(true);
      return WriteLocked();
    }
    const bool full = changes->size() == node::kWatchBatchRecords;
    size_t bytes = 0;
    for (v1::Change& change : *changes) {
      bytes += change.ByteSizeLong();
      if (bytes > node::kWatchBatchBytes && response_.changes_size() > 0) break;
      cursor_ = change.cursor();
      *response_.add_changes() = std::move(change);
    }
    if (!full &&
        response_.changes_size() == static_cast<int>(changes->size())) {
      caught_up_ = true;
    }
    response_.set_caught_up(caught_up_);
    return WriteLocked();
  }

  Next WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    write_pending_ = true;
    write_since_ = absl::Now();
    return {Next::kWrite, {}};
  }

  Next FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    busy_ = false;
    if (finished_) return {};
    finished_ = true;
    return {Next::kFinish, status};
  }

  WatchStreams* const owner_;
  grpc::CallbackServerContext* const ctx_;
  const std::string client_;
  std::atomic<int> refs_{1};  // OnDone drops the first.

  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The watcher is cancelling the call: a Finish waits for it.
  bool cancelling_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_deferred_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time idle_since_ ABSL_GUARDED_BY(mu_);
  absl::Time write_since_ ABSL_GUARDED_BY(mu_);
  // Not touched between StartWrite and OnWriteDone.
  v1::WatchResponse response_;
};

namespace {

// Finishes at once with `status`: a refused stream holds nothing.
class RefusedStream final : public grpc::ServerWriteReactor<v1::WatchResponse> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

WatchStreams::WatchStreams(
    const node::Hub* hub, node::CallGate* gate, const WatchLimits& limits,
    std::function<std::string(const std::string&)> client_key)
    : hub_(hub),
      gate_(gate),
      limits_(limits),
      client_key_(std::move(client_key)) {
  watcher_ = std::thread([this] { Watch(); });
}

WatchStreams::~WatchStreams() {
  Stop();
  if (watcher_.joinable()) watcher_.join();
}

bool WatchStreams::stopping() const {
  return stopping_.load(std::memory_order_acquire);
}

int WatchStreams::open() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(streams_.size());
}

grpc::ServerWriteReactor<v1::WatchResponse>* WatchStreams::Open(
    grpc::CallbackServerContext* ctx, const v1::WatchRequest* request) {
  std::string client = client_key_(ctx->peer());
  WatchStream* stream;
  {
    absl::MutexLock lock(&mu_);
    if (stopping()) {
      return new RefusedStream(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                            "the hub is shutting down"));
    }
    int* mine = client.empty() ? nullptr : &per_client_[client];
    if (mine != nullptr && *mine >= limits_.max_streams_per_client) {
      // A client that cancels a stream and opens another (a reconnect) may
      // be faster than OnDone: its cancelled streams do not count.
      int live = 0;
      for (WatchStream* s : streams_) {
        if (s->client() == client && !s->ctx()->IsCancelled()) ++live;
      }
      if (live >= limits_.max_streams_per_client) {
        // A reconnect may come before the server has seen the old stream's
        // cancellation: wait a little for a slot (PerClientRefusal after
        // kWatchSlotWait), as many as the client may hold.
        int waiting = 0;
        for (const Waiting& w : waiting_)
          waiting += w.stream->client() == client;
        if (waiting >= limits_.max_streams_per_client) {
          return new RefusedStream(PerClientRefusal());
        }
        stream = new WatchStream(this, ctx, client, request->after_cursor());
        waiting_.push_back({stream, absl::Now() + kWatchSlotWait});
        return stream;
      }
    }
    if (static_cast<int>(streams_.size()) >= limits_.max_streams &&
        !client.empty()) {
      return new RefusedStream(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("this hub has ", limits_.max_streams,
                                    " Watch streams open; retry in a minute")));
    }
    stream = new WatchStream(this, ctx, client, request->after_cursor());
    streams_.insert(stream);
    if (mine != nullptr) ++*mine;
  }
  stream->Start();
  return stream;
}

grpc::Status WatchStreams::PerClientRefusal() const {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      absl::StrCat("too many Watch streams from your address (",
                                   limits_.max_streams_per_client,
                                   "); close one before opening another"));
}

void WatchStreams::Closed(WatchStream* stream) {
  WatchStream* admitted = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (streams_.erase(stream) == 0) {
      // It ended while waiting for a slot.
      waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                    [stream](const Waiting& w) {
                                      return w.stream == stream;
                                    }),
                     waiting_.end());
      return;
    }
    if (stream->client().empty()) return;
    auto it = per_client_.find(stream->client());
    if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
    // The slot goes to the client's first stream waiting for one.
    if (auto mine = per_client_.find(stream->client());
        mine != per_client_.end() &&
        mine->second >= limits_.max_streams_per_client) {
      return;  // Streams cancelled but not yet ended were let in meanwhile.
    }
    for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
      if (w->stream->client() != stream->client()) continue;
      admitted = w->stream;
      waiting_.erase(w);
      streams_.insert(admitted);
      ++per_client_[admitted->client()];
      // Listed, so alive until our Unref even if it is cancelled now.
      admitted->Ref();
      break;
    }
  }
  if (admitted != nullptr) {
    admitted->Start();
    admitted->Unref();
  }
}

void WatchStreams::Stop() { stopping_.store(true, std::memory_order_release); }

void WatchStreams::Watch() {
  const node::Store* store = hub_->store();
  // Often enough that the timeouts and Stop() are noticed promptly.
  const absl::Duration tick =
      std::clamp(std::min(limits_.idle_timeout, limits_.write_timeout) / 4,
                 absl::Milliseconds(10), absl::Milliseconds(500));
  uint64_t seen = store->last_change();
  for (;;) {
    bool stopping;
    std::vector<std::pair<WatchStream*, WatchStream::Due>> due;
    std::vector<WatchStream*> refused;
    store->WaitForChange(seen, tick);
    seen = store->last_change();
    const absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&mu_);
      stopping = this->stopping();
      for (WatchStream* s : streams_) {
        WatchStream::Due d = s->Check(now, seen, stopping, limits_);
        if (d == WatchStream::Due::kNothing) continue;
        s->Ref();
        due.emplace_back(s, d);
      }
      for (auto w = waiting_.begin(); w != waiting_.end();) {
        if (!stopping && w->until > now) {
          ++w;
          continue;
        }
        w->stream->Ref();
        refused.push_back(w->stream);
        w = waiting_.erase(w);
      }
      if (stopping && streams_.empty() && waiting_.empty() && refused.empty()) {
        return;
      }
    }
    for (WatchStream* s : refused) {
      s->Refuse(stopping ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                        "the hub is shutting down")
                         : PerClientRefusal());
      s->Unref();
    }
    for (auto& [s, d] : due) {
      if (d == WatchStream::Due::kIdleEnd) {
        spdlog::debug("Watch stream of {} idle; finished", s->client());
      }
      if (d == WatchStream::Due::kStalled) {
        spdlog::debug("Watch client {} stopped reading; stream cancelled",
                      s->client());
      }
      s->Act(d);
      s->Unref();
    }
    if (stopping) {
      // Streams left are writing to clients that do not read; the server's
      // Shutdown cancels them.
      absl::MutexLock lock(&mu_);
      if (streams_.empty() && waiting_.empty()) return;
    }
  }
}

}  // namespace civhub::server
