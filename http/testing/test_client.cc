#include "http/testing/test_client.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "absl/time/clock.h"
#include "http/url.h"

namespace civhub::testing {

using http::SplitHostPort;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TestClient::TestClient(const std::string& address) : socket_(io_) {
  std::string host;
  std::string port;
  if (!SplitHostPort(address, &host, &port)) {
    ADD_FAILURE() << "not HOST:PORT: " << address;
    return;
  }
  beast::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(host, ec),
                         static_cast<unsigned short>(std::stoi(port)));
  if (!ec) socket_.connect(endpoint, ec);
  if (ec) {
    ADD_FAILURE() << "cannot connect to " << address << ": " << ec.message();
    return;
  }
  connected_ = true;
}

TestClient::~TestClient() = default;

beast::error_code TestClient::StartTls(const std::string& ca_file,
                                       const std::string& host) {
  beast::error_code ec;
  tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  tls_context_->load_verify_file(ca_file, ec);
  if (ec) return ec;
  tls_context_->set_verify_mode(ssl::verify_peer);
  tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, *tls_context_);
  tls_->set_verify_callback(ssl::host_name_verification(host));
  tls_->handshake(ssl::stream_base::client, ec);
  return ec;
}

// Runs `op` on the TLS stream if there is one, else on the socket.
template <class Op>
auto TestClient::OnStream(Op op) {
  if (tls_) return op(*tls_);
  return op(socket_);
}

void TestClient::SendRequest(bhttp::verb verb, const std::string& target,
                             const Headers& headers, const std::string& body) {
  bhttp::request<bhttp::string_body> request(verb, target, 11);
  request.set(bhttp::field::host, "test");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || verb == bhttp::verb::post) {
    request.body() = body;
    request.prepare_payload();
  }
  beast::error_code ec;
  OnStream([&](auto& stream) { bhttp::write(stream, request, ec); });
  EXPECT_FALSE(ec) << "writing " << target << ": " << ec.message();
}

Answer TestClient::ReadResponse() {
  Answer response;
  beast::error_code ec;
  OnStream([&](auto& stream) { bhttp::read(stream, buffer_, response, ec); });
  EXPECT_FALSE(ec) << "reading a response: " << ec.message();
  return response;
}

Answer TestClient::ReadHead() {
  head_parser_.emplace();
  head_parser_->body_limit(boost::none);
  beast::error_code ec;
  OnStream([&](auto& stream) {
    bhttp::read_header(stream, buffer_, *head_parser_, ec);
  });
  EXPECT_FALSE(ec) << "reading a response's head: " << ec.message();
  return head_parser_->get();
}

std::string TestClient::ReadRest() {
  if (!head_parser_) {
    ADD_FAILURE() << "ReadRest without ReadHead";
    return "";
  }
  beast::error_code ec;
  OnStream(
      [&](auto& stream) { bhttp::read(stream, buffer_, *head_parser_, ec); });
  EXPECT_FALSE(ec) << "reading a response's body: " << ec.message();
  std::string body = std::move(head_parser_->get().body());
  head_parser_.reset();
  return body;
}

Answer TestClient::Send(bhttp::verb verb, const std::string& target,
                        const Headers& headers, const std::string& body) {
  SendRequest(verb, target, headers, body);
  return ReadResponse();
}

beast::error_code TestClient::Write(const std::string& bytes) {
  beast::error_code ec;
  OnStream([&](auto& stream) { net::write(stream, net::buffer(bytes), ec); });
  return ec;
}

std::string TestClient::ReadUntilClosed(beast::error_code* ec, size_t max) {
  std::string got(buffer_.size(), '\0');
  net::buffer_copy(net::buffer(got), buffer_.data());
  buffer_.consume(buffer_.size());
  char chunk[4096];
  while (got.size() < max) {
    size_t n = OnStream([&](auto& stream) {
      return stream.read_some(net::buffer(chunk), *ec);
    });
    got.append(chunk, n);
    if (*ec) break;
  }
  return got;
}

bool TestClient::ClosedByServer() {
  beast::error_code ec;
  socket_.non_blocking(true, ec);
  char byte;
  const size_t n =
      socket_.receive(net::buffer(&byte, 1), tcp::socket::message_peek, ec);
  socket_.non_blocking(false);
  return n == 0 && ec && ec != net::error::would_block;
}

void TestClient::Close() {
  beast::error_code ec;
  socket_.close(ec);
}

}  // namespace civhub::testing
