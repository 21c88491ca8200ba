#include "bench/http_slowloris.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/results.h"
#include "harness/hub_process.h"

namespace civhub::bench {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

// Slow clients per loopback source address: within the hub's per-client
// connection limit (64), so none is refused for that.
constexpr int kSlowPerAddress = 32;

tcp::endpoint EndpointOf(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  return tcp::endpoint(
      net::ip::make_address(host_port.substr(0, colon)),
      static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1))));
}

// The byte a slow client sends at second `i`: a request line, then header
// lines that never end.
char SlowByte(uint64_t i) {
  static const std::string start = "GET /healthz HTTP/1.1\r\nHost: bench\r\n";
  static const std::string line = "X-Slow: aaaaaaaa\r\n";
  if (i < start.size()) return start[i];
  return line[(i - start.size()) % line.size()];
}

// N slow-loris connections on one thread: every second each sends its next
// byte; one the hub closes is opened again.
class SlowLoris {
 public:
  SlowLoris(tcp::endpoint server, int n) : server_(server), conns_(n) {}

  void Start() {
    for (size_t i = 0; i < conns_.size(); ++i) Open(i);
    Tick();
    thread_ = std::thread([this] { io_.run(); });
  }
  void Stop() {
    net::post(io_, [this] {
      stopping_ = true;
      timer_.cancel();
      for (auto& c : conns_) {
        beast::error_code ec;
        if (c.socket) c.socket->close(ec);
      }
    });
    thread_.join();
  }
  int open() const { return open_.load(); }
  uint64_t closed() const { return closed_.load(); }

 private:
  struct Conn {
    std::unique_ptr<tcp::socket> socket;
    uint64_t sent = 0;
    bool up = false;
    char byte = 0;
  };

  void Open(size_t i) {
    Conn& c = conns_[i];
    c.socket = std::make_unique<tcp::socket>(io_);
    c.sent = 0;
    c.up = false;
    beast::error_code ec;
    c.socket->open(tcp::v4(), ec);
    // 127.0.0.2, 127.0.0.3, …: each address is a client to the hub.
    const uint32_t source = (127u << 24) + 2 + i / kSlowPerAddress;
    c.socket->bind(tcp::endpoint(net::ip::address_v4(source), 0), ec);
    c.socket->async_connect(server_, [this, i](beast::error_code ec) {
      if (stopping_) return;
      Conn& c = conns_[i];
      if (ec) return Closed(i);
      c.up = true;
      ++open_;
      // A read that ends only when the hub closes the connection.
      c.socket->async_read_some(net::buffer(&c.byte, 1),
                                [this, i](beast::error_code, size_t) {
                                  if (stopping_) return;
                                  if (conns_[i].up) --open_;
                                  Closed(i);
                                });
    });
  }

  void Closed(size_t i) {
    ++closed_;
    beast::error_code ec;
    conns_[i].socket->close(ec);
    // Again at once, as an attacker would.
    net::post(io_, [this, i] {
      if (!stopping_) Open(i);
    });
  }

  void Tick() {
    for (Conn& c : conns_) {
      if (!c.up) continue;
      beast::error_code ec;
      char byte = SlowByte(c.sent++);
      c.socket->non_blocking(true, ec);
      c.socket->write_some(net::buffer(&byte, 1), ec);
    }
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec && !stopping_) Tick();
    });
  }

  net::io_context io_;
  net::steady_timer timer_{io_};
  tcp::endpoint server_;
  std::vector<Conn> conns_;
  std::thread thread_;
  bool stopping_ = false;  // On io_'s thread.
  std::atomic<int> open_{0};
  std::atomic<uint64_t> closed_{0};
};

struct Latencies {
  std::vector<double> ms;
  uint64_t errors = 0;
};

// `clients` keep-alive connections GET /healthz as fast as answered for
// `seconds`.
Latencies Measure(tcp::endpoint server, int clients, double seconds) {
  std::mutex mu;
  Latencies all;
  std::vector<std::thread> threads;
  const absl::Time end = absl::Now() + absl::Seconds(seconds);
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      Latencies mine;
      net::io_context io;
      std::unique_ptr<tcp::socket> socket;
      beast::flat_buffer buffer;
      while (absl::Now() < end) {
        beast::error_code ec;
        if (!socket) {
          socket = std::make_unique<tcp::socket>(io);
          socket->connect(server, ec);
          if (ec) {
            ++mine.errors;
            socket.reset();
            continue;
          }
        }
        bhttp::request<bhttp::empty_body> request(bhttp::verb::get, "/healthz",
                                                  11);
        request.set(bhttp::field::host, "bench");
        const absl::Time start = absl::Now();
        bhttp::write(*socket, request, ec);
        bhttp::response<bhttp::string_body> response;
        if (!ec) bhttp::read(*socket, buffer, response, ec);
        if (ec || response.result_int() != 200) {
          ++mine.errors;
          socket.reset();
          buffer.clear();
          continue;
        }
        mine.ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      }
      std::lock_guard<std::mutex> lock(mu);
      all.ms.insert(all.ms.end(), mine.ms.begin(), mine.ms.end());
      all.errors += mine.errors;
    });
  }
  for (auto& t : threads) t.join();
  std::sort(all.ms.begin(), all.ms.end());
  return all;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * sorted.size()))];
}

}  // namespace

absl::StatusOr<SlowlorisResult> RunHttpSlowloris(
    const std::string& dir, const SlowlorisOptions& options) {
  // Our own sockets: the slow clients and the normal ones.
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::string data_dir =
      absl::StrCat(dir, "/http-slowloris-", ::getpid());
  std::filesystem::remove_all(data_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  SlowlorisResult result;
  {
    testing::HubProcess hub(data_dir);
    hub.set_log_level("warn");
    if (!hub.Start({"--http-request-timeout",
                    absl::StrCat(options.request_timeout)})) {
      return absl::UnavailableError("civhubd did not start on " + data_dir);
    }
    const tcp::endpoint server = EndpointOf(hub.http_address());
    std::cerr << "http-slowloris: normal clients alone...\n";
    Latencies alone = Measure(server, options.normal_clients, options.seconds);
    result.rss_mb_alone = hub.RssMb();
    std::cerr << "http-slowloris: with " << options.slow_clients
              << " slow clients...\n";
    SlowLoris slow(server, options.slow_clients);
    slow.Start();
    // Until they are all connected and sending.
    const absl::Time connected_by = absl::Now() + absl::Seconds(10);
    while (slow.open() < options.slow_clients && absl::Now() < connected_by) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    absl::SleepFor(absl::Seconds(1));
    Latencies under = Measure(server, options.normal_clients, options.seconds);
    result.rss_mb_under = hub.RssMb();
    result.slow_open = slow.open();
    result.slow_closed = slow.closed();
    slow.Stop();
    result.requests_alone = alone.ms.size();
    result.p50_alone_ms = Percentile(alone.ms, 0.50);
    result.p99_alone_ms = Percentile(alone.ms, 0.99);
    result.requests_under = under.ms.size();
    result.p50_under_ms = Percentile(under.ms, 0.50);
    result.p99_under_ms = Percentile(under.ms, 0.99);
    result.errors = alone.errors + under.errors;
    hub.Stop();
  }
  std::filesystem::remove_all(data_dir);
  return result;
}

void HttpSlowlorisWorkload(const std::string& data,
                           const SlowlorisOptions& options,
                           std::vector<Result>* results) {
  absl::StatusOr<SlowlorisResult> r = RunHttpSlowloris(data, options);
  if (!r.ok()) {
    ReportFailure("http-slowloris", r.status());
    return;
  }
  const std::string with = absl::StrCat(options.slow_clients, " slow clients");
  const double n = options.slow_clients;
  results->push_back({"http-slowloris", "GET /healthz p50 ms, " + with,
                      r->p50_under_ms, "p50 alone", r->p50_alone_ms, "clients",
                      n});
  results->push_back({"http-slowloris", "GET /healthz p99 ms, " + with,
                      r->p99_under_ms, "p99 alone", r->p99_alone_ms, "clients",
                      n});
  results->push_back({"http-slowloris", "GET /healthz requests, " + with,
                      static_cast<double>(r->requests_under), "requests alone",
                      static_cast<double>(r->requests_alone), "clients", n});
  results->push_back({"http-slowloris", "normal requests failed",
                      static_cast<double>(r->errors), "target", 0, "clients",
                      n});
  results->push_back({"http-slowloris",
                      "slow connections open at the end; closed by the hub",
                      static_cast<double>(r->slow_open), "closed",
                      static_cast<double>(r->slow_closed), "clients", n});
  results->push_back({"http-slowloris", "hub RSS MB, " + with, r->rss_mb_under,
                      "RSS alone", r->rss_mb_alone, "clients", n});
}

}  // namespace civhub::bench
