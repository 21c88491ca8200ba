#include "gateway/change_feed.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "node/search/directory.h"

namespace civhub::gateway {
namespace {

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out).ok()) {
    return "{}";
  }
  return out;
}

std::string SseCaughtUp(uint64_t cursor) {
  return absl::StrCat(cursor > 0 ? absl::StrCat("id: ", cursor, "\n") : "",
                      "event: caught_up\ndata: {\"cursor\":\"", cursor,
                      "\"}\n\n");
}

}  // namespace

// One client's feed. "Busy" while a batch is read on the gate; "waiting"
// while it holds the server's `ready` with nothing to send (the watcher
// wakes it). `ready` is called exactly once per Next, outside mu_.
class FeedStream final : public http::BodyStream,
                         public std::enable_shared_from_this<FeedStream> {
 public:
  FeedStream(ChangeFeeds* owner, std::string client, uint64_t cursor,
             FeedFormat format)
      : owner_(owner),
        client_(std::move(client)),
        format_(format),
        cursor_(cursor),
        last_sent_(absl::Now()),
        last_change_sent_(last_sent_) {}

  const std::string& client() const { return client_; }

  bool live() const {
    absl::MutexLock lock(&mu_);
    return !ended_ && !cancelled_;
  }

  void Next(Ready ready) override {
    {
      absl::MutexLock lock(&mu_);
      if (!ended_ && !cancelled_ && !owner_->stopping_.load()) {
        ready_ = std::move(ready);
        if (!caught_up_sent_ ||
            owner_->hub_->store()->last_change() > cursor_) {
          ScheduleLocked();
        }
        return;  // Else wait for the watcher.
      }
      ended_ = true;
    }
    ready("", true);
  }

  void Cancel() override {
    Ready ready;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (busy_ || !ready_) return;  // The read in progress ends it.
      ended_ = true;
      ready = std::move(ready_);
      ready_ = nullptr;
    }
    ready("", true);
  }

  // From the watcher: wake a waiting stream for new changes, send it a
  // heartbeat, or end it (stopping, cancelled, or idle too long).
  void Tick(absl::Time now, uint64_t last_change, bool stopping,
            const ChangeFeedLimits& limits) {
    Ready ready;
    std::string piece;
    bool done = false;
    {
      absl::MutexLock lock(&mu_);
      if (ended_ || busy_ || !ready_) return;
      if (stopping || cancelled_) {
        ended_ = done = true;
      } else if (last_change > cursor_) {
        ScheduleLocked();
        return;
      } else if (now - last_change_sent_ >= limits.idle_timeout) {
        ended_ = done = true;
      } else if (now - last_sent_ >= limits.heartbeat) {
        last_sent_ = now;
        piece = format_ == FeedFormat::kSse ? ": keep-alive\n\n"
                                            : "{\"caughtUp\":true}\n";
      } else {
        return;
      }
      ready = std::move(ready_);
      ready_ = nullptr;
    }
    ready(std::move(piece), done);
  }

 private:
  void ScheduleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    busy_ = true;
    node::CallGate::Call call;
    call.client = client_;
    call.limited = false;  // Admitted when the stream opened.
    call.run = [self = shared_from_this()](node::CallOutcome outcome) {
      self->Read(outcome);
    };
    if (!owner_->gate_->Submit(std::move(call)).ok()) {
      // Stopping: the gate never runs the call. End from a fresh stack.
      busy_ = false;
      ended_ = true;
      Ready ready = std::move(ready_);
      ready_ = nullptr;
      std::thread([ready] { ready("", true); }).detach();
    }
  }

  // On a gate worker: the next batch, the caught-up marker, or back to
  // waiting.
  void Read(node::CallOutcome outcome) {
    uint64_t cursor;
    bool caught_up;
    {
      absl::MutexLock lock(&mu_);
      cursor = cursor_;
      caught_up = caught_up_sent_;
      if (outcome != node::CallOutcome::kRun || cancelled_ ||
          owner_->stopping_.load()) {
        return EndLocked();
      }
    }
    absl::StatusOr<std::vector<v1::Change>> changes =
        owner_->hub_->directory().ChangesAfter(cursor,
                                               node::kWatchBatchRecords);
    std::string piece;
    if (!changes.ok()) {
      spdlog::warn("change feed of {}: {}", client_,
                   changes.status().ToString());
      absl::MutexLock lock(&mu_);
      return EndLocked();
    }
    if (changes->empty() && caught_up) {
      absl::MutexLock lock(&mu_);
      busy_ = false;
      if (cancelled_) EndLocked();
      return;  // Wait for the watcher.
    }
    v1::WatchResponse batch;
    size_t bytes = 0, taken = 0;
    for (v1::Change& change : *changes) {
      bytes += change.ByteSizeLong();
      if (bytes > node::kWatchBatchBytes && taken > 0) break;
      ++taken;
      cursor = change.cursor();
      if (format_ == FeedFormat::kSse) {
        absl::StrAppend(&piece, "id: ", cursor,
                        "\nevent: change\ndata: ", Json(change), "\n\n");
      } else {
        *batch.add_changes() = std::move(change);
      }
    }
    const bool newly_caught_up = !caught_up && taken == changes->size() &&
                                 changes->size() < node::kWatchBatchRecords;
    if (format_ == FeedFormat::kSse) {
      if (newly_caught_up) piece += SseCaughtUp(cursor);
    } else {
      batch.set_caught_up(caught_up || newly_caught_up);
      piece = Json(batch) + "\n";
    }
    Ready ready;
    {
      absl::MutexLock lock(&mu_);
      busy_ = false;
      if (cancelled_) return EndLocked();
      cursor_ = cursor;
      caught_up_sent_ = caught_up || newly_caught_up;
      last_sent_ = absl::Now();
      last_change_sent_ = last_sent_;
      ready = std::move(ready_);
      ready_ = nullptr;
    }
    ready(std::move(piece), false);
  }

  // Ends the stream: calls a held `ready` with done. Releases mu_ first.
  void EndLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    busy_ = false;
    ended_ = true;
    Ready ready = std::move(ready_);
    ready_ = nullptr;
    mu_.Unlock();
    if (ready) ready("", true);
    mu_.Lock();
  }

  ChangeFeeds* const owner_;
  const std::string client_;
  const FeedFormat format_;
  mutable absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  bool caught_up_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
  // When the last batch (or caught-up marker) was sent: heartbeats do not
  // count toward the idle timeout.
  absl::Time last_change_sent_ ABSL_GUARDED_BY(mu_);
  // The server's callback while the stream waits; null otherwise.
  Ready ready_ ABSL_GUARDED_BY(mu_);
};

ChangeFeeds::ChangeFeeds(const node::Hub* hub, node::CallGate* gate,
                         const ChangeFeedLimits& limits)
    : hub_(hub), gate_(gate), limits_(limits) {
  watcher_ = std::thread([this] { Watch(); });
}

ChangeFeeds::~ChangeFeeds() {
  Stop();
  if (watcher_.joinable()) watcher_.join();
}

void ChangeFeeds::Stop() { stopping_.store(true); }

int ChangeFeeds::open() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& weak : streams_) {
    if (auto s = weak.lock(); s && s->live()) ++n;
  }
  return n;
}

absl::StatusOr<std::shared_ptr<http::BodyStream>> ChangeFeeds::Open(
    const std::string& client, uint64_t after, FeedFormat format) {
  if (stopping_.load()) {
    return absl::UnavailableError(
        "the hub is shutting down; retry in a "
        "minute");
  }
  // A cursor this hub never gave (another hub's, or one from before this
  // hub's data was replaced) would wait for ever with nothing to say why.
  if (const uint64_t last = hub_->store()->last_change(); after > last) {
    return absl::InvalidArgumentError(absl::StrCat(
        "after: cursor ", after, " is ahead of this hub's last change (", last,
        "): it is not a cursor of this hub, or the hub's data was replaced; "
        "start again from 0"));
  }
  absl::MutexLock lock(&mu_);
  int total = 0, mine = 0;
  std::vector<std::weak_ptr<FeedStream>> kept;
  for (auto& weak : streams_) {
    std::shared_ptr<FeedStream> s = weak.lock();
    if (!s || !s->live()) continue;
    ++total;
    mine += s->client() == client;
    kept.push_back(std::move(weak));
  }
  streams_ = std::move(kept);
  if (mine >= limits_.max_streams_per_client) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many change streams from your address (",
        limits_.max_streams_per_client, "); close one before opening another"));
  }
  if (total >= limits_.max_streams) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this hub has ", limits_.max_streams,
                     " change streams open; retry in a minute"));
  }
  auto stream = std::make_shared<FeedStream>(this, client, after, format);
  streams_.push_back(stream);
  return stream;
}

void ChangeFeeds::Watch() {
  const node::Store* store = hub_->store();
  const absl::Duration tick = std::clamp(
      limits_.heartbeat / 4, absl::Milliseconds(10), absl::Milliseconds(500));
  uint64_t seen = store->last_change();
  for (;;) {
    store->WaitForChange(seen, tick);
    seen = store->last_change();
    const bool stopping = stopping_.load();
    std::vector<std::shared_ptr<FeedStream>> streams;
    {
      absl::MutexLock lock(&mu_);
      std::vector<std::weak_ptr<FeedStream>> kept;
      for (auto& weak : streams_) {
        if (std::shared_ptr<FeedStream> s = weak.lock()) {
          streams.push_back(std::move(s));
          kept.push_back(std::move(weak));
        }
      }
      streams_ = std::move(kept);
    }
    const absl::Time now = absl::Now();
    for (const auto& s : streams) {
      s->Tick(now, seen, stopping, limits_);
    }
    if (stopping) return;
  }
}

}  // namespace civhub::gateway
