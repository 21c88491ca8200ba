#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "http/url.h"

namespace civhub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

// The client as limits count it: the IPv4 address (also for an IPv4-mapped
// IPv6 one), or the IPv6 /64 (one host usually has a whole /64).
std::string ClientOf(const net::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  net::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  }
  net::ip::address_v6::bytes_type bytes = v6.to_bytes();
  for (size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return net::ip::address_v6(bytes).to_string() + "/64";
}

bool IsLoopback(const net::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6())
        .is_loopback();
  }
  return address.is_loopback();
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(const HttpOptions& options, const Router* router)
      : options(options), router(router), acceptor(ioc) {}
  ~Impl() {
    // Handlers still queued hold sessions; destroy them while the counts
    // they release exist.
    ioc.restart();
    ioc.poll();
  }

  void Accept();
  // Counts a new connection from `client`; false if a limit is reached.
  bool Admit(const std::string& client);
  void Release(const std::string& client);
  void Track(const std::shared_ptr<Session>& session);
  void Untrack(Session* session);

  // Declared before the io_context: sessions its pending handlers still
  // hold release their counts here as it is destroyed.
  mutable std::mutex mu;
  std::condition_variable all_closed;
  std::unordered_map<std::string, int> per_client;
  int total = 0;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  bool stopped = false;
  // Replies may arrive from worker threads after Stop; they post to the
  // io_context only while it runs.
  std::shared_ptr<std::atomic<bool>> running =
      std::make_shared<std::atomic<bool>>(true);

  const HttpOptions options;
  const Router* const router;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::string address;
};

// One connection: reads a request, dispatches it, writes the reply, and
// again while the client keeps the connection alive. Every step runs on
// the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl* server, tcp::socket socket, std::string client,
          std::string remote, bool loopback)
      : server_(server),
        stream_(std::move(socket)),
        client_(std::move(client)),
        remote_(std::move(remote)),
        loopback_(loopback) {}

  ~Session() {
    if (body_stream_) body_stream_->Cancel();
    server_->Untrack(this);
    server_->Release(client_);
  }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // From Stop(): closes the socket; pending operations end with an error.
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->body_stream_) self->body_stream_->Cancel();
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

 private:
  const HttpLimits& limits() const { return server_->options.limits; }

  // Waits up to the idle timeout for a request's first bytes, then gives
  // the whole request the request timeout.
  void WaitForRequest() {
    parser_.emplace();
    parser_->header_limit(limits().max_header_bytes);
    parser_->body_limit(limits().max_body_bytes);
    if (buffer_.size() > 0) return ReadRequest();
    stream_.expires_after(Chrono(limits().idle_timeout));
    stream_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (ec) return self->Shut();
          self->buffer_.commit(n);
          self->ReadRequest();
        });
  }

  void ReadRequest() {
    stream_.expires_after(Chrono(limits().request_timeout));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](
                          beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return Shut();
    // A timeout has closed the socket (beast::tcp_stream does): nothing can
    // be answered.
    if (ec == beast::error::timeout) return Shut();
    if (ec == bhttp::error::header_limit) {
      return Fail(JsonError(431, "RESOURCE_EXHAUSTED",
                            absl::StrCat("request headers are larger than ",
                                         limits().max_header_bytes, " bytes")));
    }
    if (ec == bhttp::error::body_limit) {
      return Fail(JsonError(413, "RESOURCE_EXHAUSTED",
                            absl::StrCat("request body is larger than ",
                                         limits().max_body_bytes, " bytes")));
    }
    if (&ec.category() ==
        &bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
      return Fail(
          JsonError(400, "INVALID_ARGUMENT",
                    absl::StrCat("not an HTTP/1.1 request: ", ec.message())));
    }
    if (ec) return Shut();

    bhttp::request<bhttp::string_body> message = parser_->release();
    auto request = std::make_shared<Request>();
    request->method = std::string(message.method_string());
    request->target = std::string(message.target());
    if (!ParseTarget(request->target, &request->path, &request->query)) {
      return Fail(JsonError(400, "INVALID_ARGUMENT",
                            "the request target is not a valid path"));
    }
    for (const auto& field : message) {
      request->headers.emplace_back(
          absl::AsciiStrToLower(std::string(field.name_string())),
          std::string(field.value()));
    }
    request->body = std::move(message.body());
    request->client = client_;
    request->remote = remote_;
    request->loopback = loopback_;
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_ = message.method() == bhttp::verb::head;
    if (const std::string* inm = request->Header("if-none-match")) {
      if_none_match_ = *inm;
    } else {
      if_none_match_.clear();
    }

    stream_.expires_never();
    request_ = request;
    received_ = absl::Now();
    // The reply holds the session: the handler calls it exactly once.
    auto running = server_->running;
    server_->router->Dispatch(std::move(request), [self = shared_from_this(),
                                                   running](Response response) {
      if (!running->load()) return;
      auto executor = self->stream_.get_executor();
      net::post(executor, [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  static bool EtagMatches(const std::string& if_none_match,
                          const std::string& etag) {
    if (if_none_match.empty() || etag.empty()) return false;
    for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
      tag = absl::StripAsciiWhitespace(tag);
      if (absl::ConsumePrefix(&tag, "W/")) {
      }
      if (tag == "*" || tag == etag) return true;
    }
    return false;
  }

  void SetCommon(bhttp::response_header<>& header, const Response& response) {
    header.version(version_);
    header.result(static_cast<unsigned>(response.status));
    header.set(bhttp::field::server, "civhub");
    header.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) {
      header.set(name, value);
    }
    if (!response.etag.empty()) header.set(bhttp::field::etag, response.etag);
  }

  void Write(Response response) {
    if (!response.stream && response.status == 200 &&
        EtagMatches(if_none_match_, response.etag)) {
      response.status = 304;
      response.body.clear();
    }
    if (server_->options.on_response) {
      server_->options.on_response(request_.get(), response.status,
                                   absl::Now() - received_);
    }
    request_.reset();
    if (response.stream) return StartStream(std::move(response));
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    SetCommon(message->base(), response);
    message->keep_alive(keep_alive_);
    size_t length = response.body.size();
    if (!head_ && response.status != 304) {
      message->body() = std::move(response.body);
    }
    message->prepare_payload();
    if (head_) message->content_length(length);
    stream_.expires_after(Chrono(limits().write_timeout));
    bhttp::async_write(
        stream_, *message,
        [self = shared_from_this(), message](beast::error_code ec, size_t) {
          if (ec || !self->keep_alive_) return self->Shut();
          self->WaitForRequest();
        });
  }

  void StartStream(Response response) {
    body_stream_ = std::move(response.stream);
    auto message = std::make_shared<bhttp::response<bhttp::empty_body>>();
    SetCommon(message->base(), response);
    message->keep_alive(keep_alive_);
    message->chunked(true);
    auto serializer =
        std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(
            *message);
    stream_.expires_after(Chrono(limits().write_timeout));
    bhttp::async_write_header(stream_, *serializer,
                              [self = shared_from_this(), message, serializer](
                                  beast::error_code ec, size_t) {
                                if (ec) return self->Shut();
                                self->NextPiece();
                              });
  }

  void NextPiece() {
    stream_.expires_never();
    // `ready` holds the session until the source answers (Cancel makes it
    // answer soon).
    auto running = server_->running;
    body_stream_->Next(
        [self = shared_from_this(), running](std::string piece, bool done) {
          if (!running->load()) return;
          auto executor = self->stream_.get_executor();
          net::post(executor, [self, piece = std::move(piece), done]() mutable {
            self->WritePiece(std::move(piece), done);
          });
        });
  }

  void WritePiece(std::string piece, bool done) {
    auto data = std::make_shared<std::string>(std::move(piece));
    stream_.expires_after(Chrono(limits().write_timeout));
    auto after = [self = shared_from_this(), data, done](beast::error_code ec,
                                                         size_t) {
      if (ec) return self->Shut();
      if (!done) return self->NextPiece();
      self->FinishStream();
    };
    if (data->empty()) return after({}, 0);
    net::async_write(stream_, bhttp::make_chunk(net::buffer(*data)),
                     std::move(after));
  }

  void FinishStream() {
    body_stream_.reset();
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec || !self->keep_alive_) return self->Shut();
                       self->WaitForRequest();
                     });
  }

  // Answers a request that cannot be served and closes the connection.
  void Fail(Response response) {
    keep_alive_ = false;
    head_ = false;
    if (version_ == 0) version_ = 11;
    Write(std::move(response));
  }

  void Shut() {
    if (body_stream_) {
      body_stream_->Cancel();
      body_stream_.reset();
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer::Impl* const server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const std::string client_;
  const std::string remote_;
  const bool loopback_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::string if_none_match_;
  std::shared_ptr<BodyStream> body_stream_;
  // The request being answered (null for one that did not parse).
  std::shared_ptr<const Request> request_;
  absl::Time received_;
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec,
                                                      tcp::socket socket) {
    // A closed acceptor fails every accept at once: do not re-arm it.
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      beast::error_code peer_ec;
      tcp::endpoint peer = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        std::string client = ClientOf(peer.address());
        if (Admit(client)) {
          auto session = std::make_shared<Session>(
              this, std::move(socket), client,
              absl::StrCat(peer.address().to_string(), ":", peer.port()),
              IsLoopback(peer.address()));
          Track(session);
          session->Start();
        } else {
          spdlog::debug("http: refused a connection from {}: limit", client);
          socket.close(peer_ec);
        }
      }
    } else {
      spdlog::debug("http: accept: {}", ec.message());
    }
    Accept();
  });
}

bool HttpServer::Impl::Admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu);
  if (stopped || total >= options.limits.max_connections) return false;
  int& mine = per_client[client];
  if (mine >= options.limits.max_connections_per_client) {
    if (mine == 0) per_client.erase(client);
    return false;
  }
  ++mine;
  ++total;
  return true;
}

void HttpServer::Impl::Release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = per_client.find(client);
  if (it != per_client.end() && --it->second <= 0) per_client.erase(it);
  if (--total == 0) all_closed.notify_all();
}

void HttpServer::Impl::Track(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions[session.get()] = session;
}

void HttpServer::Impl::Untrack(Session* session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.erase(session);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpOptions& options, const Router* router) {
  std::string host;
  std::string port;
  if (!SplitHostPort(options.listen, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen: \"", options.listen,
                     "\" is not HOST:PORT (such as 127.0.0.1:7342)"));
  }
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    return absl::UnimplementedError(
        "--http-tls-cert/--http-tls-key: HTTPS is not built yet; put a "
        "reverse proxy with TLS in front (docs/operations.md)");
  }
  auto impl = std::make_unique<Impl>(options, router);
  beast::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec || endpoints.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http-listen: cannot resolve \"", host, "\": ", ec.message()));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    if (ec == net::error::address_in_use) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options.listen,
          ": address already in use (is another civhubd running? choose "
          "another port with --http-listen)"));
    }
    if (ec == net::error::access_denied) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot listen on ", options.listen, ": ", ec.message(),
                       " (ports below 1024 need root)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen: cannot listen on ", options.listen, ": ",
                     ec.message()));
  }
  tcp::endpoint bound = acceptor.local_endpoint(ec);
  std::string bound_host = bound.address().to_string();
  if (bound.address().is_v6()) bound_host = "[" + bound_host + "]";
  impl->address = absl::StrCat(bound_host, ":", bound.port());
  impl->Accept();
  int threads = std::max(1, options.io_threads);
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([io = &impl->ioc] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [ptr, weak] : impl_->sessions) {
      if (auto session = weak.lock()) open.push_back(session);
    }
  }
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  for (auto& session : open) session->Close();
  open.clear();
  {
    // Give the closes a moment to run (a session waiting on a stream ends
    // once its source answers Cancel).
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->all_closed.wait_for(lock, std::chrono::seconds(2),
                               [&] { return impl_->total == 0; });
  }
  impl_->running->store(false);
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

const std::string& HttpServer::address() const { return impl_->address; }

int HttpServer::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->total;
}

}  // namespace civhub::http
