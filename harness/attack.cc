#include "harness/attack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "civhub/v1/federation.grpc.pb.h"
#include "crypto/certificate.h"
#include "federation/grpc/grpc_transport.h"
#include "federation/trust.h"
#include "harness/reflection_client.grpc.pb.h"
#include "harness/tcp_relay.h"
#include "node/records/validate.h"

namespace civhub::attack {
namespace {

// The costliest Search a client may send: every record, nearest first.
// to, only that the TLS handshake completes.
class AcceptAnyVerifier
    : public grpc::experimental::ExternalCertificateVerifier {
 public:
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest*,
              std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    *sync_status = grpc::Status::OK;
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {
  }
};

// A channel to the relay at `port`, with its own connection (no subchannel
// shared with other channels); over TLS presenting `key`'s certificate when
// `key` is set.
std::shared_ptr<grpc::Channel> ChannelTo(int port,
                                         const crypto::PrivateKey* key) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetMaxReceiveMessageSize(64 << 20);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  if (key == nullptr) {
    return grpc::CreateCustomChannel(address,
                                     grpc::InsecureChannelCredentials(), args);
  }
  absl::StatusOr<federation::TlsIdentity> identity =
      federation::MakeTlsIdentity(*key, absl::Now());
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
          std::vector<grpc::experimental::IdentityKeyCertPair>{
              {identity->private_key_pem, identity->certificate_pem}}));
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<
          AcceptAnyVerifier>());
  args.SetSslTargetNameOverride(crypto::kHubTlsName);
  return grpc::CreateCustomChannel(
      address, grpc::experimental::TlsCredentials(options), args);
}

// The common part of the gRPC attacks: a relay from the attacker's address,
// contexts to cancel at Stop(), counts, and a completion queue driven by one
// thread for those that use the async API.
class GrpcAttack : public Attack {
 public:
  GrpcAttack(int target_port, int source)
      : relay_(0, target_port, AttackerSource(source)) {}

  std::string Summary() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrCat(what_, ": ", sent_.load(), " calls sent, ", ok_.load(),
                        " answered, ", failed_.load(), " failed",
                        last_error_.empty() ? "" : " (last: ", last_error_,
                        last_error_.empty() ? "" : ")", extra_());
  }

 protected:
  // Runs on the completion queue's thread.
  using Done = std::function<void(bool ok)>;
  void* Tag(Done done) {
    ++pending_;
    return new Done(std::move(done));
  }
  void RunQueue() {
    queue_thread_ = std::thread([this] {
      void* tag = nullptr;
      bool ok = false;
      while (cq_.Next(&tag, &ok)) {
        auto* done = static_cast<Done*>(tag);
        (*done)(ok);
        delete done;
        --pending_;
      }
    });
  }
  std::shared_ptr<grpc::ClientContext> NewContext() {
    auto ctx = std::make_shared<grpc::ClientContext>();
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.insert(ctx);
    if (halted_) ctx->TryCancel();  // Stop() swept the others already.
    return ctx;
  }
  void Forget(const std::shared_ptr<grpc::ClientContext>& ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.erase(ctx);
  }
  void Count(const grpc::Status& status) {
    if (status.ok()) {
      ++ok_;
      return;
    }
    ++failed_;
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ =
        absl::StrCat(status.error_code(), " ", status.error_message());
  }
  // Halts, cancels every call, waits for the queue's operations and threads.
  void StopCalls() {
    Halt();
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& ctx : contexts_) ctx->TryCancel();
      }
      if (pending_ == 0) break;
      absl::SleepFor(absl::Milliseconds(10));  // Cancelled ops complete.
    }
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    cq_.Shutdown();
    if (queue_thread_.joinable()) queue_thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.clear();
  }

  std::string what_;
  std::function<std::string()> extra_ = [] { return std::string(); };
  testing::TcpRelay relay_;
  grpc::CompletionQueue cq_;
  std::thread queue_thread_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> pending_{0}, sent_{0}, ok_{0}, failed_{0};
  mutable std::mutex mu_;
  std::set<std::shared_ptr<grpc::ClientContext>> contexts_;  // Guarded by mu_.
  std::string last_error_;                                   // Guarded by mu_.
};

class SearchesInFlightAttack : public GrpcAttack {
 public:
  SearchesInFlightAttack(const Target& target, int calls)
      : GrpcAttack(PortOf(target.directory), 0), calls_(calls) {
    what_ = absl::StrCat(calls, " Searches in flight on one connection");
  }
  ~SearchesInFlightAttack() override { Stop(); }

  void Start() override {
    stub_ = v1::Directory::NewStub(ChannelTo(relay_.port(), nullptr));
    RunQueue();
    for (int i = 0; i < calls_; ++i) Issue(i);
  }
  void Stop() override { StopCalls(); }

 private:
  struct Call {
    std::shared_ptr<grpc::ClientContext> ctx;
    v1::SearchResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::SearchResponse>> rpc;
  };
  void Issue(int i) {
    if (halted_) return;
    auto call = std::make_shared<Call>();
    call->ctx = NewContext();
    call->rpc = stub_->AsyncSearch(call->ctx.get(), CostlySearch(i), &cq_);
    ++sent_;
    call->rpc->Finish(&call->response, &call->status,
                      Tag([this, call, i](bool) {
                        Count(call->status);
                        Forget(call->ctx);
                        Issue(i + 1);
                      }));
  }

  const int calls_;
  std::unique_ptr<v1::Directory::Stub> stub_;
};

class ReflectionAttack : public GrpcAttack {
 public:
  ReflectionAttack(const Target& target, int streams)
      : GrpcAttack(PortOf(target.directory), 0), streams_(streams) {
    what_ = absl::StrCat(streams, " reflection streams left idle");
    extra_ = [this] { return absl::StrCat(", ", idle_.load(), " idle"); };
  }
  ~ReflectionAttack() override { Stop(); }

  void Start() override {
    stub_ = grpc::reflection::v1alpha::ServerReflection::NewStub(
        ChannelTo(relay_.port(), nullptr));
    RunQueue();
    for (int i = 0; i < streams_ && !halted_; ++i) Open();
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (idle_ + failed_ < streams_ && absl::Now() < give_up && !halted_)
      absl::SleepFor(absl::Milliseconds(10));
  }
  void Stop() override { StopCalls(); }

 private:
  using Stream = grpc::ClientAsyncReaderWriter<
      grpc::reflection::v1alpha::ServerReflectionRequest,
      grpc::reflection::v1alpha::ServerReflectionResponse>;
  struct State {
    std::shared_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<Stream> stream;
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    grpc::Status status;
  };
  void Fail(std::shared_ptr<State> s) {
    s->stream->Finish(&s->status, Tag([this, s](bool) {
      Count(s->status.ok() ? grpc::Status(grpc::StatusCode::UNKNOWN, "closed")
                           : s->status);
      Forget(s->ctx);
    }));
  }
  void Open() {
    auto s = std::make_shared<State>();
    s->ctx = NewContext();
    s->request.set_list_services("*");
    ++sent_;
    // Prepared, then started: the start's completion uses s->stream.
    s->stream = stub_->PrepareAsyncServerReflectionInfo(s->ctx.get(), &cq_);
    s->stream->StartCall(Tag([this, s](bool ok) {
      if (!ok) return Fail(s);
      s->stream->Write(s->request, Tag([this, s](bool ok) {
                         if (!ok) return Fail(s);
                         s->stream->Read(&s->response, Tag([this, s](bool ok) {
                           if (!ok) return Fail(s);
                           ++idle_;
                           // Another read that the server never answers: idle.
                           s->stream->Read(&s->response, Tag([this, s](bool) {
                             --idle_;
                             Fail(s);
                           }));
                         }));
                       }));
    }));
  }

  const int streams_;
  std::atomic<int> idle_{0};
  std::unique_ptr<grpc::reflection::v1alpha::ServerReflection::Stub> stub_;
};

class WatchAttack : public GrpcAttack {
 public:
  WatchAttack(const Target& target, int streams, bool read_to_caught_up)
      : GrpcAttack(PortOf(target.directory), 0),
        streams_(streams),
        read_(read_to_caught_up) {
    what_ = absl::StrCat(streams, " Watch streams ",
                         read_ ? "read to caught_up, then idle" : "never read");
    extra_ = [this] {
      return absl::StrCat(", ", open_.load(), " open, ", caught_up_.load(),
                          " caught up");
    };
  }
  ~WatchAttack() override { Stop(); }

  void Start() override {
    stub_ = v1::Directory::NewStub(ChannelTo(relay_.port(), nullptr));
    RunQueue();
    for (int i = 0; i < streams_ && !halted_; ++i) Open();
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while ((read_ ? caught_up_.load() : open_.load()) + failed_ < streams_ &&
           absl::Now() < give_up && !halted_)
      absl::SleepFor(absl::Milliseconds(10));
  }
  void Stop() override {
    Halt();
    // A stream never read has no operation pending that a cancel ends:
    // finish those here.
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& ctx : contexts_) ctx->TryCancel();
    }
    for (auto& s : unread_) Finish(s);
    unread_.clear();
    StopCalls();
  }

 private:
  struct State {
    std::shared_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientAsyncReader<v1::WatchResponse>> stream;
    v1::WatchResponse response;
    grpc::Status status;
    std::atomic<bool> finishing{false};
  };
  void Finish(std::shared_ptr<State> s) {
    if (s->finishing.exchange(true)) return;  // Failed start, then Stop().
    s->stream->Finish(&s->status, Tag([this, s](bool) {
      if (!s->status.ok()) Count(s->status);
      Forget(s->ctx);
    }));
  }
  void ReadOn(std::shared_ptr<State> s) {
    s->stream->Read(&s->response, Tag([this, s](bool ok) {
      if (!ok) {
        --open_;
        return Finish(s);
      }
      if (s->response.caught_up()) ++caught_up_;
      ReadOn(s);  // After caught_up the server sends nothing: a read waits.
    }));
  }
  void Open() {
    auto s = std::make_shared<State>();
    s->ctx = NewContext();
    ++sent_;
    // Prepared, then started: the start's completion uses s->stream.
    s->stream =
        stub_->PrepareAsyncWatch(s->ctx.get(), v1::WatchRequest(), &cq_);
    s->stream->StartCall(Tag([this, s](bool ok) {
      if (!ok) return Finish(s);
      ++open_;
      if (read_) ReadOn(s);
    }));
    if (!read_) unread_.push_back(s);
  }

  const int streams_;
  const bool read_;
  std::atomic<int> open_{0}, caught_up_{0};
  std::vector<std::shared_ptr<State>> unread_;
  std::unique_ptr<v1::Directory::Stub> stub_;
};

class SyncLoopAttack : public GrpcAttack {
 public:
  explicit SyncLoopAttack(const Target& target)
      : GrpcAttack(PortOf(target.federation), 0) {
    what_ = "Sync in a loop from an unlinked key";
  }
  ~SyncLoopAttack() override { Stop(); }

  void Start() override {
    key_ =
        std::make_unique<crypto::PrivateKey>(*crypto::PrivateKey::Generate());
    stub_ = v1::Federation::NewStub(ChannelTo(relay_.port(), key_.get()));
    threads_.emplace_back([this] {
      while (!halted_) {
        auto ctx = NewContext();
        ctx->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(5));
        v1::SyncResponse response;
        ++sent_;
        Count(stub_->Sync(ctx.get(), v1::SyncRequest(), &response));
        Forget(ctx);
      }
    });
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (ok_ + failed_ == 0 && absl::Now() < give_up)
      absl::SleepFor(absl::Milliseconds(5));
  }
  void Stop() override { StopCalls(); }

 private:
  std::unique_ptr<crypto::PrivateKey> key_;
  std::unique_ptr<v1::Federation::Stub> stub_;
};

class BigLinkBodiesAttack : public GrpcAttack {
 public:
  BigLinkBodiesAttack(const Target& target, int calls, size_t bytes)
      : GrpcAttack(PortOf(target.federation), 0), calls_(calls), bytes_(bytes) {
    what_ = absl::StrCat(calls, " RequestLink bodies of ", bytes >> 20, " MiB");
  }
  ~BigLinkBodiesAttack() override { Stop(); }

  void Start() override {
    key_ =
        std::make_unique<crypto::PrivateKey>(*crypto::PrivateKey::Generate());
    stub_ = v1::Federation::NewStub(ChannelTo(relay_.port(), key_.get()));
    for (int i = 0; i < calls_; ++i) {
      threads_.emplace_back([this, i] {
        v1::LinkRequest request;
        request.set_body(std::string(bytes_, static_cast<char>('a' + i % 26)));
        request.set_signature(std::string(64, 's'));
        auto ctx = NewContext();
        ctx->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
        v1::LinkResponse response;
        ++sent_;
        Count(stub_->RequestLink(ctx.get(), request, &response));
        Forget(ctx);
      });
    }
    // Under way once every body is sent or answered.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (ok_ + failed_ < calls_ && absl::Now() < give_up)
      absl::SleepFor(absl::Milliseconds(10));
  }
  void Stop() override { StopCalls(); }

 private:
  const int calls_;
  const size_t bytes_;
  std::unique_ptr<crypto::PrivateKey> key_;
  std::unique_ptr<v1::Federation::Stub> stub_;
};

class LinkFloodAttack : public Attack {
 public:
  LinkFloodAttack(const Target& target, int keys, int sources)
      : target_(target), keys_(keys), sources_(std::max(1, sources)) {
    for (int i = 0; i < sources_; ++i) {
      relays_.push_back(std::make_unique<testing::TcpRelay>(
          0, PortOf(target.federation), AttackerSource(i)));
    }
  }
  ~LinkFloodAttack() override { Stop(); }

  void Start() override {
    std::atomic<int> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([this, &next] {
        for (int i = next++; i < keys_ && !halted_; i = next++) Send(i);
      });
    }
    for (std::thread& t : threads) t.join();
  }
  void Stop() override { Halt(); }
  std::string Summary() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrCat("link requests from ", keys_, " fresh keys over ",
                        sources_, " addresses: ", pending_.load(), " pending, ",
                        refused_.load(), " refused, ", other_.load(), " other",
                        last_error_.empty() ? "" : " (last refusal: ",
                        last_error_, last_error_.empty() ? "" : ")");
  }

 private:
  void Send(int i) {
    absl::StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::Generate();
    if (!key.ok()) return;
    v1::LinkRequestBody body;
    body.set_from(key->public_key().bytes());
    body.set_to(target_.hub_key);
    body.set_link_id(std::string(node::kLinkIdBytes, static_cast<char>(i)));
    body.mutable_requested_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    body.mutable_profile()->set_name(absl::StrCat("Flooder ", i));
    body.set_link_signature(*key->Sign(
        crypto::SigningDomain::kLink,
        federation::LinkStatement(body.link_id(), body.from(), body.to())));
    v1::LinkRequest request;
    request.set_body(body.SerializeAsString());
    request.set_signature(
        *key->Sign(crypto::SigningDomain::kLinkRequest, request.body()));
    auto stub = v1::Federation::NewStub(
        ChannelTo(relays_[i % sources_]->port(), &*key));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::LinkResponse response;
    grpc::Status status = stub->RequestLink(&ctx, request, &response);
    if (status.ok() && response.state() == v1::LinkResponse::PENDING) {
      ++pending_;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused_;
      std::lock_guard<std::mutex> lock(mu_);
      last_error_ = status.error_message();
    } else {
      ++other_;
      std::lock_guard<std::mutex> lock(mu_);
      last_error_ =
          absl::StrCat(status.error_code(), " ", status.error_message());
    }
  }

  const Target target_;
  const int keys_, sources_;
  std::vector<std::unique_ptr<testing::TcpRelay>> relays_;
  std::atomic<int> pending_{0}, refused_{0}, other_{0};
  mutable std::mutex mu_;
  std::string last_error_;  // Guarded by mu_.
};

class CostlyQueriesAttack : public GrpcAttack {
 public:
  CostlyQueriesAttack(const Target& target, int clients)
      : GrpcAttack(PortOf(target.directory), 0), clients_(clients) {
    what_ = absl::StrCat(clients, " clients sending the costliest Searches");
  }
  ~CostlyQueriesAttack() override { Stop(); }

  void Start() override {
    for (int c = 0; c < clients_; ++c) {
      threads_.emplace_back([this, c] {
        auto stub = v1::Directory::NewStub(ChannelTo(relay_.port(), nullptr));
        for (int i = c; !halted_; ++i) {
          auto ctx = NewContext();
          ctx->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(10));
          v1::SearchResponse response;
          ++sent_;
          Count(stub->Search(ctx.get(), CostlySearch(i), &response));
          Forget(ctx);
        }
      });
    }
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (ok_ + failed_ < clients_ && absl::Now() < give_up)
      absl::SleepFor(absl::Milliseconds(5));
  }
  void Stop() override { StopCalls(); }

 private:
  const int clients_;
};

}  // namespace

v1::SearchRequest CostlySearch(int variant) {
  v1::SearchRequest request;
  request.set_page_size(100);
  switch (variant % 3) {
    case 0:
      request.mutable_near()->set_latitude(-1.29);
      request.mutable_near()->set_longitude(36.82);
      request.mutable_near()->set_radius_km(20040);
      break;
    case 1:
      request.set_text("a");
      break;
    default:
      request.set_text("e");
      request.mutable_near()->set_latitude(48.85);
      request.mutable_near()->set_longitude(2.35);
      request.mutable_near()->set_radius_km(20040);
      break;
  }
  return request;
}

std::string AttackerSource(int n) { return absl::StrCat("127.0.0.", 2 + n); }

int PortOf(const std::string& address) {
  int port = 0;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port))
    return 0;
  return port;
}

int ConnectFrom(const std::string& source, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Non-blocking, so a full accept backlog costs a second, not minutes of
  // SYN retries.
  fcntl(fd, F_SETFL, O_NONBLOCK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    if (errno != EINPROGRESS) {
      close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof(error);
    if (poll(&p, 1, 1000) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      close(fd);
      errno = error != 0 ? error : ETIMEDOUT;
      return -1;
    }
  }
  fcntl(fd, F_SETFL, 0);
  return fd;
}

std::unique_ptr<Attack> SearchesInFlight(const Target& target, int calls) {
  return std::make_unique<SearchesInFlightAttack>(target, calls);
}
std::unique_ptr<Attack> IdleReflectionStreams(const Target& target,
                                              int streams) {
  return std::make_unique<ReflectionAttack>(target, streams);
}
std::unique_ptr<Attack> StalledWatches(const Target& target, int streams,
                                       bool read_to_caught_up) {
  return std::make_unique<WatchAttack>(target, streams, read_to_caught_up);
}
std::unique_ptr<Attack> SyncLoop(const Target& target) {
  return std::make_unique<SyncLoopAttack>(target);
}
std::unique_ptr<Attack> BigLinkBodies(const Target& target, int calls,
                                      size_t bytes) {
  return std::make_unique<BigLinkBodiesAttack>(target, calls, bytes);
}
std::unique_ptr<Attack> LinkFlood(const Target& target, int keys, int sources) {
  return std::make_unique<LinkFloodAttack>(target, keys, sources);
}
std::unique_ptr<Attack> CostlyQueries(const Target& target, int clients) {
  return std::make_unique<CostlyQueriesAttack>(target, clients);
}

}  // namespace civhub::attack
