#include "server/reflection_guard.h"

#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "federation/grpc/client_address.h"

namespace civhub::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// The open reflection streams. A stream is listed from its interceptor's
// creation until its status is sent (or the interceptor is destroyed), and
// its context is only touched under mu, so never after the call ended.
class Streams {
 public:
  explicit Streams(const ReflectionLimits& limits) : limits_(limits) {}

  uint64_t Add(grpc::ServerContextBase* ctx) {
    std::string client = limits_.client_key
                             ? limits_.client_key(ctx->peer())
                             : federation::ClientKey(ctx->peer());
    absl::MutexLock lock(&mu_);
    const uint64_t id = ++next_id_;
    Entry& e = streams_[id];
    e.ctx = ctx;
    e.last = absl::Now();
    if (!client.empty() &&
        ++per_client_[client] > limits_.max_streams_per_client) {
      e.over_cap = true;
    }
    e.client = std::move(client);
    return id;
  }

  void Touch(uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = streams_.find(id);
    if (it != streams_.end()) it->second.last = absl::Now();
  }

  void Remove(uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = streams_.find(id);
    if (it == streams_.end()) return;
    if (!it->second.client.empty()) {
      auto c = per_client_.find(it->second.client);
      if (--c->second == 0) per_client_.erase(c);
    }
    streams_.erase(it);
  }

  // Cancels the streams over a cap or idle too long; returns when Stop()ped.
  void Reap() {
    const absl::Duration tick =
        std::clamp(limits_.idle_timeout / 4, absl::Milliseconds(10),
                   absl::Milliseconds(500));
    absl::MutexLock lock(&mu_);
    while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick)) {
      const absl::Time now = absl::Now();
      int over = 0, idle = 0;
      for (auto& [id, e] : streams_) {
        if (e.cancelled) continue;
        if (e.over_cap) {
          ++over;
        } else if (now - e.last >= limits_.idle_timeout) {
          ++idle;
        } else {
          continue;
        }
        e.cancelled = true;
        e.ctx->TryCancel();
      }
      if (over + idle > 0) {
        spdlog::debug(
            "cancelled {} reflection streams over a client's cap, {} "
            "idle",
            over, idle);
      }
    }
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

 private:
  struct Entry {
    grpc::ServerContextBase* ctx = nullptr;
    std::string client;
    absl::Time last;
    bool over_cap = false;
    bool cancelled = false;
  };

  const ReflectionLimits limits_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Entry> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_client_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

class ReflectionInterceptor : public grpc::experimental::Interceptor {
 public:
  ReflectionInterceptor(std::shared_ptr<Streams> streams,
                        grpc::ServerContextBase* ctx)
      : streams_(std::move(streams)), ctx_(ctx) {}
  ~ReflectionInterceptor() override {
    if (id_ != 0) streams_->Remove(id_);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    // Listed from the first hook: when the interceptor is created the
    // context does not know its peer yet.
    if (id_ == 0) id_ = streams_->Add(ctx_);
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) ||
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      streams_->Touch(id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      streams_->Remove(id_);
    }
    methods->Proceed();
  }

 private:
  const std::shared_ptr<Streams> streams_;
  grpc::ServerContextBase* const ctx_;
  uint64_t id_ = 0;
};

class ReflectionGuard
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ReflectionGuard(const ReflectionLimits& limits)
      : streams_(std::make_shared<Streams>(limits)),
        reaper_([streams = streams_] { streams->Reap(); }) {}
  ~ReflectionGuard() override {
    streams_->Stop();
    reaper_.join();
  }

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (std::strcmp(info->method(), kReflectionMethod) != 0) return nullptr;
    return new ReflectionInterceptor(streams_, info->server_context());
  }

 private:
  const std::shared_ptr<Streams> streams_;
  std::thread reaper_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewReflectionGuard(const ReflectionLimits& limits) {
  return std::make_unique<ReflectionGuard>(limits);
}

}  // namespace civhub::server
