#include "http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http/testing/test_client.h"

namespace civhub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using testing::Eventually;
using testing::TestClient;

// A stream that sends the pieces it is given, then ends.
class QueueStream : public BodyStream {
 public:
  explicit QueueStream(std::vector<std::string> pieces)
      : pieces_(std::move(pieces)) {}
  void Next(Ready ready) override {
    if (next_ == pieces_.size()) return ready("", true);
    std::string piece = pieces_[next_++];
    // Answer from another thread, as a real source would.
    std::thread([ready, piece, done = next_ == pieces_.size()] {
      ready(piece, done);
    }).join();
  }
  void Cancel() override {}

 private:
  std::vector<std::string> pieces_;
  size_t next_ = 0;
};

// A stream the test drives: it holds the server's `ready` until Push (or
// Cancel, which ends it).
class HeldStream : public BodyStream {
 public:
  void Next(Ready ready) override {
    absl::MutexLock lock(&mu_);
    ++asked_;
    ready_ = std::move(ready);
  }
  void Cancel() override {
    Ready ready;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      ready = std::move(ready_);
      ready_ = nullptr;
    }
    if (ready) ready("", true);
  }
  // Once the server waits for a piece: sends `piece` (and ends if `done`).
  void Push(std::string piece, bool done) {
    Ready ready;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Ready* r) { return static_cast<bool>(*r); }, &ready_));
      ready = std::move(ready_);
      ready_ = nullptr;
    }
    ready(std::move(piece), done);
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  int asked() {
    absl::MutexLock lock(&mu_);
    return asked_;
  }

 private:
  absl::Mutex mu_;
  Ready ready_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int asked_ ABSL_GUARDED_BY(mu_) = 0;
};

// A stream that never ends: 64 KiB pieces as fast as they are taken.
class FloodStream : public BodyStream {
 public:
  void Next(Ready ready) override { ready(std::string(64 << 10, 'x'), false); }
  void Cancel() override { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  std::atomic<bool> cancelled_{false};
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello/{name}",
                [](std::shared_ptr<const Request> request, Reply reply) {
                  Response response;
                  response.content_type = "text/plain";
                  response.body = "hello " + request->path_params[0];
                  if (const std::string* lang = request->Param("lang")) {
                    response.body += " in " + *lang;
                  }
                  response.etag = "\"v1\"";
                  reply(std::move(response));
                });
    AddStream("/stream", "text/plain", [] {
      return std::make_shared<QueueStream>(
          std::vector<std::string>{"one,", "two,", "three"});
    });
    AddStream("/held", "text/plain", [this] { return held_; });
    AddStream("/flood", "application/octet-stream", [this] { return flood_; });
    HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.limits.max_header_bytes = 1024;
    options.limits.request_timeout = absl::Milliseconds(300);
    options.limits.max_connections_per_client = 3;
    options.limits.write_timeout = absl::Milliseconds(500);
    options.on_response = [this](const Request* request, int status,
                                 absl::Duration) {
      absl::MutexLock lock(&mu_);
      seen_.push_back(absl::StrCat(request ? request->path : "?", " ", status));
    };
    auto server = HttpServer::Start(options, &router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // GET `path` answers a stream of `type` that `make` returns.
  void AddStream(const std::string& path, const std::string& type,
                 std::function<std::shared_ptr<BodyStream>()> make) {
    router_.Add("GET", path,
                [type, make](std::shared_ptr<const Request>, Reply reply) {
                  Response response;
                  response.content_type = type;
                  response.stream = make();
                  reply(std::move(response));
                });
  }

  std::unique_ptr<TestClient> Connect() {
    return std::make_unique<TestClient>(server_->address());
  }

  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<HeldStream> held_ = std::make_shared<HeldStream>();
  std::shared_ptr<FloodStream> flood_ = std::make_shared<FloodStream>();
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto client = Connect();
  auto first = client->Get("/hello/maji?lang=sw");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "hello maji in sw");
  auto second = client->Get("/hello/safi");
  EXPECT_EQ(second.body(), "hello safi");
  EXPECT_TRUE(second.keep_alive());
}

TEST_F(HttpServerTest, UnknownPathsAndMethodsGetJsonErrors) {
  auto client = Connect();
  auto missing = client->Get("/nowhere");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_TRUE(absl::StrContains(missing.body(), "\"code\":\"NOT_FOUND\""));
  auto refused = client->Send(bhttp::verb::post, "/hello/x", {}, "{}");
  EXPECT_EQ(refused.result_int(), 405);
  // What the path does answer: HEAD with GET, OPTIONS on every path.
  EXPECT_EQ(refused[bhttp::field::allow], "GET, HEAD, OPTIONS");
}

TEST_F(HttpServerTest, EveryResponseIsReportedWithItsStatus) {
  auto client = Connect();
  client->Get("/hello/maji");
  client->Get("/nowhere");
  client->Get("/hello/maji", {{"if-none-match", "\"v1\""}});
  EXPECT_EQ(Seen(), (std::vector<std::string>{"/hello/maji 200", "/nowhere 404",
                                              "/hello/maji 304"}));
}

TEST_F(HttpServerTest, ResponsesCarryTheirDate) {
  // RFC 9110 6.6.1: an origin server with a clock sends Date (found
  // missing in a trial), on a 304 too.
  auto client = Connect();
  for (const auto& response :
       {client->Get("/hello/maji"), client->Get("/nowhere"),
        client->Get("/hello/maji", {{"if-none-match", "\"v1\""}})}) {
    const std::string date(response[bhttp::field::date]);
    absl::Time t;
    std::string err;
    ASSERT_TRUE(absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", date,
                                absl::UTCTimeZone(), &t, &err))
        << date << ": " << err;
    EXPECT_LT(absl::AbsDuration(absl::Now() - t), absl::Minutes(1)) << date;
  }
}

TEST_F(HttpServerTest, MatchingEtagGets304WithoutBody) {
  auto client = Connect();
  auto response = client->Get("/hello/maji", {{"if-none-match", "\"v1\""}});
  EXPECT_EQ(response.result_int(), 304);
  EXPECT_TRUE(response.body().empty());
  EXPECT_EQ(
      client->Get("/hello/maji", {{"if-none-match", "\"v0\""}}).result_int(),
      200);
}

TEST_F(HttpServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  auto client = Connect();
  auto response =
      client->Get("/hello/x", {{"x-padding", std::string(4096, 'a')}});
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpServerTest, ASlowRequestIsCutOffAtTheRequestTimeout) {
  auto client = Connect();
  ASSERT_FALSE(client->Write("GET /hello/x HTTP/1.1\r\n"));
  // The rest never comes: the server closes the connection.
  absl::Time start = absl::Now();
  beast::error_code ec;
  EXPECT_EQ(client->ReadUntilClosed(&ec), "");
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, StreamsArriveAsChunksInOrder) {
  auto client = Connect();
  auto response = client->Get("/stream");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response.body(), "one,two,three");
  // The connection stays usable after the stream ends.
  EXPECT_EQ(client->Get("/hello/again").body(), "hello again");
}

TEST_F(HttpServerTest, AClientThatClosesAWaitingStreamFreesItAtOnce) {
  auto client = Connect();
  client->SendRequest(bhttp::verb::get, "/held");
  EXPECT_EQ(client->ReadHead().result_int(), 200);
  ASSERT_TRUE(Eventually([&] { return held_->asked() == 1; }));
  EXPECT_EQ(server_->connections(), 1);
  // The stream has nothing to send (no heartbeat ever comes): only the
  // close itself can end it.
  client->Close();
  EXPECT_TRUE(Eventually([&] { return held_->cancelled(); }, absl::Seconds(5)))
      << "the stream of a closed connection was not cancelled";
  EXPECT_TRUE(
      Eventually([&] { return server_->connections() == 0; }, absl::Seconds(5)))
      << server_->connections() << " connections still counted";
}

TEST_F(HttpServerTest, ARequestSentDuringAStreamIsAnsweredAfterIt) {
  auto client = Connect();
  client->SendRequest(bhttp::verb::get, "/held");
  EXPECT_EQ(client->ReadHead().result_int(), 200);
  ASSERT_TRUE(Eventually([&] { return held_->asked() == 1; }));
  // Pipelined while the stream waits: kept, not lost, not mistaken for a
  // close.
  client->SendRequest(bhttp::verb::get, "/hello/next");
  held_->Push("one,", false);
  held_->Push("two", true);
  EXPECT_EQ(client->ReadRest(), "one,two");
  EXPECT_FALSE(held_->cancelled());
  auto next = client->ReadResponse();
  EXPECT_EQ(next.result_int(), 200);
  EXPECT_EQ(next.body(), "hello next");
  // And the connection goes on.
  EXPECT_EQ(client->Get("/hello/again").body(), "hello again");
}

TEST_F(HttpServerTest,
       AStreamWhoseClientStopsReadingIsClosedAtTheWriteTimeout) {
  auto client = Connect();
  client->SendRequest(bhttp::verb::get, "/flood");
  EXPECT_EQ(client->ReadHead().result_int(), 200);
  // The client reads nothing more: once the socket buffers are full, a
  // piece's write waits, and the write timeout (500 ms) closes the
  // connection and cancels the stream.
  EXPECT_TRUE(
      Eventually([&] { return flood_->cancelled(); }, absl::Seconds(10)));
  EXPECT_TRUE(Eventually([&] { return server_->connections() == 0; },
                         absl::Seconds(5)));
}

TEST_F(HttpServerTest, ConnectionsBeyondThePerClientLimitAreClosed) {
  std::vector<std::unique_ptr<TestClient>> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(Connect());
    EXPECT_EQ(kept.back()->Get("/hello/x").result_int(), 200);
  }
  auto extra = Connect();
  beast::error_code ec;
  extra->ReadUntilClosed(&ec);
  EXPECT_TRUE(ec == boost::asio::error::eof ||
              ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_EQ(server_->connections(), 3);
}

TEST(HttpServerStartTest, APortInUseIsRefusedWithAClearMessage) {
  Router router;
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  auto first = HttpServer::Start(options, &router);
  ASSERT_TRUE(first.ok());
  options.listen = (*first)->address();
  auto second = HttpServer::Start(options, &router);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(
      absl::StrContains(second.status().message(), "address already in use"));
  options.listen = "127.0.0.1";
  auto bad = HttpServer::Start(options, &router);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "--http-listen"));
}

}  // namespace
}  // namespace civhub::http
