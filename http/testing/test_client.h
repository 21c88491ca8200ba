// A blocking HTTP/1.1 client for the tests of the HTTP server and what
// runs on it: one connection (plain or TLS), requests written and
// responses read whole with Beast, or raw bytes for what a well-behaved
// client would not send. Test-only (civhub_http_test_client); not thread-
// safe (one client per thread).
#ifndef CIVHUB_HTTP_TESTING_TEST_CLIENT_H_
#define CIVHUB_HTTP_TESTING_TEST_CLIENT_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace civhub::testing {

using Answer = boost::beast::http::response<boost::beast::http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Polls `condition` until it holds (true) or `timeout` passes (false): for
// what a test can observe only from outside (a server's counts).
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(10));

class TestClient {
 public:
  // Connects to `address` ("127.0.0.1:7342", as HttpServer::address());
  // a failure fails the test (connected() is then false).
  explicit TestClient(const std::string& address);
  ~TestClient();

  bool connected() const { return connected_; }

  // Makes the connection TLS: handshakes, verifying the server's
  // certificate against `ca_file` for `host`. The error, if any.
  boost::beast::error_code StartTls(const std::string& ca_file,
                                    const std::string& host = "localhost");

  // Sends a request (Host: test, `headers`, `body` with its length) and
  // reads its whole response; chunked bodies are joined. An error fails
  // the test and returns an empty answer (status 0 is then not 200).
  Answer Send(boost::beast::http::verb verb, const std::string& target,
              const Headers& headers = {}, const std::string& body = "");
  Answer Get(const std::string& target, const Headers& headers = {}) {
    return Send(boost::beast::http::verb::get, target, headers);
  }
  // Sends a request without reading its response.
  void SendRequest(boost::beast::http::verb verb, const std::string& target,
                   const Headers& headers = {}, const std::string& body = "");
  // Reads a response to a request sent (a whole one; a stream must end).
  Answer ReadResponse();
  // Reads only a response's head (a stream's, which may not end): status
  // and headers.
  Answer ReadHead();
  // After ReadHead: reads the rest of that response's body (to its end).
  std::string ReadRest();

  // Writes `bytes` as they are; the error, if any.
  boost::beast::error_code Write(const std::string& bytes);
  // Reads whatever arrives until the server closes the connection (or
  // `max` bytes); `ec` gets how it ended (eof for a close).
  std::string ReadUntilClosed(boost::beast::error_code* ec,
                              size_t max = 1 << 20);
  // Whether the server has closed the connection, without waiting.
  bool ClosedByServer();

  // Closes the connection at once (a client going away).
  void Close();

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  template <class Op>
  auto OnStream(Op op);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::response_parser<boost::beast::http::string_body>>
      head_parser_;
  bool connected_ = false;
};

}  // namespace civhub::testing

#endif  // CIVHUB_HTTP_TESTING_TEST_CLIENT_H_
