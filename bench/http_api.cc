#include "bench/http_api.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/results.h"
#include "bench/search.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "harness/hub_process.h"
#include "harness/partner.h"
#include "http/url.h"
#include "server/connection_guard.h"

namespace civhub::bench {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

// The same searches for both protocols: text, filter and radius, as in the
// `search` workload.
std::vector<v1::SearchRequest> Queries() {
  std::vector<v1::SearchRequest> out;
  for (const char* text : {"water", "clean water", "agua", "digital freedom",
                           "women rights", "wat"}) {
    out.emplace_back().set_text(text);
  }
  for (auto [country, topic] : std::vector<std::pair<const char*, const char*>>{
           {"KE", "water-sanitation"}, {"BR", ""}, {"", "education"}}) {
    v1::SearchRequest& q = out.emplace_back();
    q.set_country(country);
    q.set_topic(topic);
  }
  for (auto [lat, lon, km] : std::vector<std::tuple<double, double, double>>{
           {-1.2864, 36.8172, 10}, {-12.0464, -77.0428, 25}}) {
    v1::SearchRequest& q = out.emplace_back();
    q.mutable_near()->set_latitude(lat);
    q.mutable_near()->set_longitude(lon);
    q.mutable_near()->set_radius_km(km);
  }
  return out;
}

std::string ToTarget(const v1::SearchRequest& q) {
  std::string target = "/v1/search?";
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    absl::StrAppend(&target, target.back() == '?' ? "" : "&", name, "=",
                    http::PercentEncode(value));
  };
  add("text", q.text());
  add("country", q.country());
  add("topic", q.topic());
  if (q.has_near()) {
    add("near", absl::StrCat(q.near().latitude(), ",", q.near().longitude()));
    add("km", absl::StrCat(q.near().radius_km()));
  }
  return target;
}

struct Samples {
  std::vector<double> ms;
  int64_t errors = 0;
  double seconds = 0;
};

void Merge(Samples* into, Samples from) {
  into->ms.insert(into->ms.end(), from.ms.begin(), from.ms.end());
  into->errors += from.errors;
  into->seconds += from.seconds;
}

// `clients` threads, each on a connection of its own, each running `call`
// (false: an error) over the queries for `seconds`.
template <typename Client>
Samples Drive(int clients, double seconds,
              const std::function<std::unique_ptr<Client>()>& connect,
              const std::function<bool(Client*, size_t)>& call) {
  std::vector<Samples> per(clients);
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(seconds);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<Client> client = connect();
      size_t i = c;
      while (absl::Now() < end) {
        absl::Time t0 = absl::Now();
        bool ok = client != nullptr && call(client.get(), i++);
        if (!ok) {
          ++per[c].errors;
          client = connect();
          continue;
        }
        per[c].ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Samples all;
  for (Samples& s : per) Merge(&all, std::move(s));
  all.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return all;
}

struct HttpClient {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

Samples RunHttpSearches(const std::string& address,
                        const std::vector<v1::SearchRequest>& queries,
                        int clients, double seconds) {
  std::string host, port;
  http::SplitHostPort(address, &host, &port);
  std::vector<std::string> targets;
  for (const auto& q : queries) targets.push_back(ToTarget(q));
  return Drive<HttpClient>(
      clients, seconds,
      [&]() -> std::unique_ptr<HttpClient> {
        auto c = std::make_unique<HttpClient>();
        beast::error_code ec;
        c->stream.socket().connect(
            tcp::endpoint(net::ip::make_address(host), std::stoi(port)), ec);
        if (ec) return nullptr;
        return c;
      },
      [&](HttpClient* c, size_t i) {
        bhttp::request<bhttp::empty_body> req(bhttp::verb::get,
                                              targets[i % targets.size()], 11);
        req.set(bhttp::field::host, host);
        beast::error_code ec;
        bhttp::write(c->stream, req, ec);
        if (ec) return false;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(c->stream, c->buffer, res, ec);
        return !ec && res.result_int() == 200;
      });
}

Samples RunGrpcSearches(const std::string& address,
                        const std::vector<v1::SearchRequest>& queries,
                        int clients, double seconds) {
  return Drive<v1::Directory::Stub>(
      clients, seconds, [&] { return attack::NewDirectoryStub(address); },
      [&](v1::Directory::Stub* stub, size_t i) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
        v1::SearchResponse response;
        return stub->Search(&ctx, queries[i % queries.size()], &response).ok();
      });
}

void Summarize(Samples s, double* qps, double* p50, double* p99) {
  *qps = s.seconds > 0 ? s.ms.size() / s.seconds : 0;
  *p50 = attack::Percentile(&s.ms, 50);
  *p99 = attack::Percentile(&s.ms, 99);
}

// Raises this process's open-file limit to its hard limit.
int RaiseFileLimit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  return static_cast<int>(r.rlim_cur);
}

// One idle Server-Sent Events client of /v1/changes.
struct SseClient {
  explicit SseClient(net::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::string request;
  std::array<char, 4096> chunk;
  std::string tail;  // The last bytes read, to find markers across reads.
  bool caught_up = false;
  bool reached = false;
  absl::Time reached_at;
};

class SseCrowd {
 public:
  SseCrowd(std::string address, int clients, std::string marker)
      : address_(std::move(address)), marker_(std::move(marker)) {
    std::string host, port;
    http::SplitHostPort(address_, &host, &port);
    endpoint_ = tcp::endpoint(net::ip::make_address(host), std::stoi(port));
    for (int i = 0; i < clients; ++i) {
      clients_.push_back(std::make_unique<SseClient>(io_));
    }
  }

  // Connects every client (from 127.0.0.2 up, 40 per address, under the
  // hub's per-address limits) and runs the I/O on a thread of its own.
  void Start() {
    for (size_t i = 0; i < clients_.size(); ++i) Connect(i);
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int caught_up() const { return caught_up_; }
  int reached() const { return reached_; }
  absl::Time last_reached() const { return last_reached_; }

 private:
  void Connect(size_t i) {
    SseClient* c = clients_[i].get();
    beast::error_code ec;
    c->socket.open(tcp::v4(), ec);
    const int a = 2 + static_cast<int>(i / 40);
    c->socket.bind(tcp::endpoint(net::ip::make_address(absl::StrCat(
                                     "127.0.", a / 250, ".", 2 + a % 250)),
                                 0),
                   ec);
    c->request = absl::StrCat(
        "GET /v1/changes HTTP/1.1\r\nHost: bench\r\n"
        "Accept: text/event-stream\r\n\r\n");
    c->socket.async_connect(endpoint_, [this, c](beast::error_code ec) {
      if (ec) return;
      net::async_write(c->socket, net::buffer(c->request),
                       [this, c](beast::error_code ec, size_t) {
                         if (!ec) Read(c);
                       });
    });
  }

  void Read(SseClient* c) {
    c->socket.async_read_some(
        net::buffer(c->chunk), [this, c](beast::error_code ec, size_t n) {
          if (ec) return;
          c->tail.append(c->chunk.data(), n);
          if (!c->caught_up && absl::StrContains(c->tail, "caught_up")) {
            c->caught_up = true;
            ++caught_up_;
          }
          if (!c->reached && absl::StrContains(c->tail, marker_)) {
            c->reached = true;
            ++reached_;
            last_reached_ = absl::Now();
          }
          if (c->tail.size() > 8192) c->tail.erase(0, c->tail.size() - 1024);
          Read(c);
        });
  }

  const std::string address_;
  const std::string marker_;
  tcp::endpoint endpoint_;
  net::io_context io_;
  std::vector<std::unique_ptr<SseClient>> clients_;
  std::atomic<int> caught_up_{0};
  std::atomic<int> reached_{0};
  std::atomic<absl::Time> last_reached_{absl::InfinitePast()};
  std::thread thread_;
};

// Waits up to `limit` for `done`, polling every 50 ms.
bool Await(const std::function<bool()>& done, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

}  // namespace

absl::StatusOr<HttpBenchResult> RunHttpBench(const std::string& dataset,
                                             const std::string& scratch,
                                             const HttpBenchOptions& options) {
  HttpBenchResult result;
  const std::vector<v1::SearchRequest> queries = Queries();
  {
    const std::string dir = absl::StrCat(scratch, "/http-search-", getpid());
    if (std::system(absl::StrCat("rm -rf '", dir, "' && cp -a '", dataset,
                                 "' '", dir, "'")
                        .c_str()) != 0) {
      return absl::InternalError(absl::StrCat("cannot copy ", dataset));
    }
    testing::HubProcess hub(dir);
    hub.set_log_level("warn");
    // Every client's calls from one address: lift the per-client limits
    // that would otherwise count them as one busy partner.
    if (!hub.Start()) {
      return absl::UnavailableError("civhubd did not start");
    }
    Samples grpc, http;
    const double half = options.seconds / 2;
    // Alternating halves, so that drift (compaction, caches) falls on both.
    for (int round = 0; round < 2; ++round) {
      std::cerr << "http: gRPC searches...\n";
      Merge(&grpc, RunGrpcSearches(hub.public_address(), queries,
                                   options.clients, half));
      std::cerr << "http: HTTP/JSON searches...\n";
      Merge(&http, RunHttpSearches(hub.http_address(), queries, options.clients,
                                   half));
    }
    result.grpc_errors = grpc.errors;
    result.http_errors = http.errors;
    Summarize(std::move(grpc), &result.grpc_qps, &result.grpc_p50_ms,
              &result.grpc_p99_ms);
    Summarize(std::move(http), &result.http_qps, &result.http_p50_ms,
              &result.http_p99_ms);
    hub.Stop();
    (void)std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  }
  if (options.sse_clients <= 0) return result;

  const int limit = RaiseFileLimit();
  // The hub shares its open files among its ports (docs/operations.md,
  // "Open files"): the Directory port is held to kDirectoryConnections so
  // that HTTP may have the rest; the crowd is cut to fit what this
  // machine's hard limit leaves.
  constexpr int kDirectoryConnections = 1000;
  constexpr int kFederationConnections = 1000;
  const int http_room = server::BudgetDescriptors(limit).connections -
                        kDirectoryConnections - kFederationConnections - 100;
  const int clients = std::min({options.sse_clients, http_room, limit - 256});
  if (clients < options.sse_clients) {
    std::cerr << "http: " << clients << " change-feed clients, not "
              << options.sse_clients << ": the open-file limit is " << limit
              << "\n";
  }
  const std::string dir = absl::StrCat(scratch, "/http-sse-", getpid());
  (void)std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  testing::HubProcess hub(dir);
  hub.set_log_level("warn");
  hub.set_open_file_limit(limit);
  if (!hub.Start({"--max-connections", std::to_string(kDirectoryConnections),
                  "--peer-max-connections",
                  std::to_string(kFederationConnections),
                  "--http-max-connections", std::to_string(clients + 100),
                  "--http-max-change-streams", std::to_string(clients + 100),
                  "--http-max-change-streams-per-client", "64"})) {
    return absl::UnavailableError("civhubd did not start");
  }
  const double rss_before = hub.RssMb();
  const std::string marker = absl::StrCat("bench-sse-", getpid());
  SseCrowd crowd(hub.http_address(), clients, marker);
  std::cerr << "http: " << clients << " change-feed clients...\n";
  crowd.Start();
  Await([&] { return crowd.caught_up() >= clients; }, absl::Seconds(120));
  result.sse_connected = crowd.caught_up();
  const double rss_after = hub.RssMb();
  if (result.sse_connected > 0) {
    result.sse_kb_per_client =
        (rss_after - rss_before) * 1024 / result.sse_connected;
  }
  const std::string file = dir + ".org.json";
  std::ofstream(file) << "{\"recordId\": \"" << marker
                      << "\", \"organization\": {\"names\": [{\"lang\": "
                         "\"en\", \"text\": \"Bench fan-out\"}], "
                         "\"locations\": [{\"country\": \"KE\"}]}}\n";
  const absl::Time published = absl::Now();
  if (hub.Ctl({"org", "put", file}).exit_code != 0) {
    crowd.Stop();
    return absl::InternalError("civhubctl org put failed");
  }
  Await([&] { return crowd.reached() >= result.sse_connected; },
        absl::Seconds(60));
  result.sse_reached = crowd.reached();
  if (result.sse_reached > 0) {
    result.sse_fanout_s =
        absl::ToDoubleSeconds(crowd.last_reached() - published);
  }
  crowd.Stop();
  hub.Stop();
  (void)std::system(absl::StrCat("rm -rf '", dir, "' '", file, "'").c_str());
  return result;
}

void HttpWorkload(const std::string& data, uint64_t records,
                  const HttpBenchOptions& options,
                  std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(data, records);
  absl::StatusOr<HttpBenchResult> h =
      dataset.ok() ? RunHttpBench(*dataset, data, options)
                   : absl::StatusOr<HttpBenchResult>(dataset.status());
  if (!h.ok()) {
    ReportFailure("http", h.status());
    return;
  }
  const WorkloadRows row(results, "http", "records",
                         static_cast<double>(records));
  const std::string threads = absl::StrCat(options.clients, " clients");
  row(absl::StrCat("HTTP/JSON searches/s, ", threads), h->http_qps,
      "gRPC searches/s, same run", h->grpc_qps);
  row("HTTP/JSON search p50 ms", h->http_p50_ms, "gRPC p50 ms", h->grpc_p50_ms);
  row("HTTP/JSON search p99 ms", h->http_p99_ms, "gRPC p99 ms", h->grpc_p99_ms);
  row("search errors, HTTP + gRPC",
      static_cast<double>(h->http_errors + h->grpc_errors), "target", 0);
  if (options.sse_clients > 0) {
    row("change-feed clients caught up", h->sse_connected, "clients opened",
        options.sse_clients);
    row("hub RSS KB per change-feed client", h->sse_kb_per_client, "target KB",
        10);
    row("s until a change reached every client", h->sse_fanout_s, "target s",
        1);
    row("clients the change reached", h->sse_reached, "caught up",
        h->sse_connected);
  }
}

}  // namespace civhub::bench
