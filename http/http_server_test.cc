#include "http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "http/url.h"

namespace civhub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

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
    router_.Add("GET", "/stream",
                [](std::shared_ptr<const Request>, Reply reply) {
                  Response response;
                  response.content_type = "text/plain";
                  response.stream = std::make_shared<QueueStream>(
                      std::vector<std::string>{"one,", "two,", "three"});
                  reply(std::move(response));
                });
    HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.limits.max_header_bytes = 1024;
    options.limits.request_timeout = absl::Milliseconds(300);
    options.limits.max_connections_per_client = 3;
    options.on_response = [this](const Request* request, int status,
                                 absl::Duration) {
      absl::MutexLock lock(&mu_);
      seen_.push_back(absl::StrCat(request ? request->path : "?", " ", status));
    };
    auto server = HttpServer::Start(options, &router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    std::string host;
    std::string port;
    ASSERT_TRUE(SplitHostPort(server_->address(), &host, &port));
    endpoint_ = tcp::endpoint(net::ip::make_address(host), std::stoi(port));
  }

  tcp::socket Connect() {
    tcp::socket socket(io_);
    socket.connect(endpoint_);
    return socket;
  }

  bhttp::response<bhttp::string_body> Get(
      tcp::socket& socket, const std::string& target,
      const std::string& if_none_match = "") {
    bhttp::request<bhttp::empty_body> request(bhttp::verb::get, target, 11);
    request.set(bhttp::field::host, "test");
    if (!if_none_match.empty()) {
      request.set(bhttp::field::if_none_match, if_none_match);
    }
    bhttp::write(socket, request);
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket, buffer_, response);
    return response;
  }

  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
  net::io_context io_;
  beast::flat_buffer buffer_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  tcp::endpoint endpoint_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  tcp::socket socket = Connect();
  auto first = Get(socket, "/hello/maji?lang=sw");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "hello maji in sw");
  auto second = Get(socket, "/hello/safi");
  EXPECT_EQ(second.body(), "hello safi");
  EXPECT_TRUE(second.keep_alive());
}

TEST_F(HttpServerTest, UnknownPathsAndMethodsGetJsonErrors) {
  tcp::socket socket = Connect();
  auto missing = Get(socket, "/nowhere");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_TRUE(absl::StrContains(missing.body(), "\"code\":\"NOT_FOUND\""));
  bhttp::request<bhttp::string_body> post(bhttp::verb::post, "/hello/x", 11);
  post.body() = "{}";
  post.prepare_payload();
  bhttp::write(socket, post);
  bhttp::response<bhttp::string_body> refused;
  bhttp::read(socket, buffer_, refused);
  EXPECT_EQ(refused.result_int(), 405);
  EXPECT_EQ(refused[bhttp::field::allow], "GET");
}

TEST_F(HttpServerTest, EveryResponseIsReportedWithItsStatus) {
  tcp::socket socket = Connect();
  Get(socket, "/hello/maji");
  Get(socket, "/nowhere");
  Get(socket, "/hello/maji", "\"v1\"");
  EXPECT_EQ(Seen(), (std::vector<std::string>{"/hello/maji 200", "/nowhere 404",
                                              "/hello/maji 304"}));
}

TEST_F(HttpServerTest, MatchingEtagGets304WithoutBody) {
  tcp::socket socket = Connect();
  auto response = Get(socket, "/hello/maji", "\"v1\"");
  EXPECT_EQ(response.result_int(), 304);
  EXPECT_TRUE(response.body().empty());
  EXPECT_EQ(Get(socket, "/hello/maji", "\"v0\"").result_int(), 200);
}

TEST_F(HttpServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  tcp::socket socket = Connect();
  bhttp::request<bhttp::empty_body> request(bhttp::verb::get, "/hello/x", 11);
  request.set("x-padding", std::string(4096, 'a'));
  bhttp::write(socket, request);
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer_, response);
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpServerTest, ASlowRequestIsCutOffAtTheRequestTimeout) {
  tcp::socket socket = Connect();
  net::write(socket, net::buffer(std::string("GET /hello/x HTTP/1.1\r\n")));
  // The rest never comes: the server closes the connection.
  absl::Time start = absl::Now();
  char byte;
  beast::error_code ec;
  socket.read_some(net::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, net::error::eof);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, StreamsArriveAsChunksInOrder) {
  tcp::socket socket = Connect();
  auto response = Get(socket, "/stream");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response.body(), "one,two,three");
  // The connection stays usable after the stream ends.
  EXPECT_EQ(Get(socket, "/hello/again").body(), "hello again");
}

TEST_F(HttpServerTest, ConnectionsBeyondThePerClientLimitAreClosed) {
  std::vector<tcp::socket> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(Connect());
    EXPECT_EQ(Get(kept.back(), "/hello/x").result_int(), 200);
  }
  tcp::socket extra = Connect();
  char byte;
  beast::error_code ec;
  extra.read_some(net::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset)
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
