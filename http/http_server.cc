#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
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
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "http/gzip.h"
#include "http/rate_limiter.h"
#include "http/response_headers.h"
#include "http/tls.h"
#include "http/url.h"

namespace civhub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Rate buckets kept at most (RateLimiter).
constexpr size_t kMaxRateClients = 100000;
// While a body streams, the server keeps a read of at most this many bytes
// pending, to notice at once a client that closes (see Session::Probe).
constexpr size_t kProbeBytes = 64;

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

// What Impl needs of a connection of either kind.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // From Stop(): closes the socket; pending operations end with an error.
  virtual void Close() = 0;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const HttpOptions& options, const Router* router)
      : options(options),
        router(router),
        limiter(options.limits.requests_per_second,
                options.limits.request_burst, kMaxRateClients),
        acceptor(ioc) {}
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
  void Track(const std::shared_ptr<SessionBase>& session);
  void Untrack(SessionBase* session);

  // Declared before the io_context: sessions its pending handlers still
  // hold release their counts here as it is destroyed.
  mutable std::mutex mu;
  std::condition_variable all_closed;
  std::unordered_map<std::string, int> per_client;
  int total = 0;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  bool stopped = false;
  // Replies may arrive from worker threads after Stop; they post to the
  // io_context only while it runs.
  std::shared_ptr<std::atomic<bool>> running =
      std::make_shared<std::atomic<bool>>(true);

  const HttpOptions options;
  const Router* const router;
  RateLimiter limiter;
  // Set for HTTPS.
  std::shared_ptr<net::ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::string address;
};

// One connection: reads a request, dispatches it, writes the reply, and
// again while the client keeps the connection alive. Every step runs on
// the connection's strand. `Stream` is beast::tcp_stream (HTTP) or
// TlsStream (HTTPS).
template <class Stream>
class Session : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  Session(HttpServer::Impl* server, std::string client, std::string remote,
          bool loopback, StreamArgs&&... stream_args)
      : server_(server),
        stream_(std::forward<StreamArgs>(stream_args)...),
        client_(std::move(client)),
        remote_(std::move(remote)),
        loopback_(loopback) {}

  ~Session() override {
    if (body_stream_) body_stream_->Cancel();
    server_->Untrack(this);
    server_->Release(client_);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->WaitForRequest(/*first=*/true);
      }
    });
  }

  void Close() override {
    net::post(stream_.get_executor(), [self = Self()] {
      if (self->body_stream_) self->body_stream_->Cancel();
      beast::error_code ec;
      self->tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->tcp().close();
    });
  }

 private:
  std::shared_ptr<Session> Self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }
  const HttpLimits& limits() const { return server_->options.limits; }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // The TLS handshake, within the request timeout. A client that speaks
  // plain HTTP to this port (its first bytes are no TLS ClientHello) is
  // answered in plain HTTP: 400, use https://.
  void Handshake() {
    tcp().expires_after(Chrono(limits().request_timeout));
    beast::async_detect_ssl(
        tcp(), buffer_, [self = Self()](beast::error_code ec, bool tls) {
          if (ec) return self->Shut();
          if (!tls) return self->NotTls();
          self->stream_.async_handshake(
              net::ssl::stream_base::server, self->buffer_.data(),
              [self](beast::error_code ec, size_t used) {
                self->buffer_.consume(used);
                if (ec) return self->Shut();
                self->WaitForRequest(/*first=*/true);
              });
        });
  }

  // Plain HTTP on the HTTPS port: reads the request's head (so closing
  // does not reset the connection before the answer is read), answers 400
  // naming the https:// URL to use, and closes.
  void NotTls() {
    auto head = std::make_shared<bhttp::request_parser<bhttp::empty_body>>();
    head->header_limit(limits().max_header_bytes);
    bhttp::async_read_header(
        tcp(), buffer_, *head,
        [self = Self(), head](beast::error_code ec, size_t) {
          std::string host, target = "/";
          if (!ec) {
            host = std::string(head->get()[bhttp::field::host]);
            const std::string asked(head->get().target());
            if (absl::StartsWith(asked, "/")) target = asked;
          }
          if (host.empty()) host = self->server_->address;
          const std::string url = absl::StrCat("https://", host, target);
          Response response = JsonError(
              400, "INVALID_ARGUMENT",
              absl::StrCat("this port speaks HTTPS, not plain HTTP: use ",
                           url));
          if (self->server_->options.on_response) {
            self->server_->options.on_response(nullptr, response.status,
                                               absl::ZeroDuration());
          }
          auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
              bhttp::status::bad_request, 11);
          self->version_ = 11;
          SetCommonHeaders(message->base(), response, self->version_);
          message->keep_alive(false);
          message->body() = std::move(response.body);
          message->prepare_payload();
          self->tcp().expires_after(Chrono(self->limits().write_timeout));
          bhttp::async_write(
              self->tcp(), *message,
              [self, message](beast::error_code, size_t) { self->Shut(); });
        });
  }

  // Waits for a request's first bytes — up to the request timeout on a new
  // connection, the idle timeout between kept-alive requests — then gives
  // the whole request the request timeout.
  void WaitForRequest(bool first = false) {
    parser_.emplace();
    parser_->header_limit(limits().max_header_bytes);
    parser_->body_limit(limits().max_body_bytes);
    if (buffer_.size() > 0) return ReadRequest();
    tcp().expires_after(
        Chrono(first ? limits().request_timeout : limits().idle_timeout));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = Self()](beast::error_code ec, size_t n) {
                              if (ec) return self->Shut();
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    tcp().expires_after(Chrono(limits().request_timeout));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = Self()](beast::error_code ec, size_t) { self->OnRead(ec); });
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
    parser_.reset();
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

    const std::string* accept_encoding = request->Header("accept-encoding");
    accept_gzip_ = accept_encoding != nullptr && AcceptsGzip(*accept_encoding);
    const bhttp::verb method = message.method();

    tcp().expires_never();
    request_ = request;
    received_ = absl::Now();
    absl::Duration wait = server_->limiter.Take(client_, received_);
    if (wait > absl::ZeroDuration())
      return Write(TooManyRequests(limits(), wait));
    if (method == bhttp::verb::options) return Write(Preflight());
    // The reply holds the session: the handler calls it exactly once.
    auto running = server_->running;
    server_->router->Dispatch(
        std::move(request), [self = Self(), running](Response response) {
          if (!running->load()) return;
          auto executor = self->stream_.get_executor();
          net::post(executor, [self, response = std::move(response)]() mutable {
            self->Write(std::move(response));
          });
        });
  }

  void Write(Response response) {
    const bool worth_gzip = WorthGzip(response, response.body.size());
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
    SetCommonHeaders(message->base(), response, version_);
    message->keep_alive(keep_alive_);
    const bool gzip = worth_gzip && accept_gzip_;
    if (worth_gzip) MarkEncoding(message->base(), gzip);
    if (gzip && response.status != 304) response.body = Gzip(response.body);
    size_t length = response.body.size();
    if (!head_ && response.status != 304) {
      message->body() = std::move(response.body);
    }
    message->prepare_payload();
    if (head_) message->content_length(length);
    // 204 and 304 have no body and must not say they have one.
    if (response.status == 204 || response.status == 304) {
      message->erase(bhttp::field::content_length);
    }
    tcp().expires_after(Chrono(limits().write_timeout));
    bhttp::async_write(stream_, *message,
                       [self = Self(), message](beast::error_code ec, size_t) {
                         if (ec || !self->keep_alive_) return self->Shut();
                         self->WaitForRequest();
                       });
  }

  void StartStream(Response response) {
    // A stream may stay open for hours: keep no read buffer meanwhile
    // (4 KiB a client, most of what an idle stream would hold); the probe
    // reads at most kProbeBytes.
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    streaming_ = true;
    const bool worth_gzip = WorthGzip(response, 0);
    body_stream_ = std::move(response.stream);
    auto message = std::make_shared<bhttp::response<bhttp::empty_body>>();
    SetCommonHeaders(message->base(), response, version_);
    if (worth_gzip) {
      MarkEncoding(message->base(), accept_gzip_);
      if (accept_gzip_) gzip_ = std::make_unique<GzipEncoder>();
    }
    message->keep_alive(keep_alive_);
    message->chunked(true);
    auto serializer =
        std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(
            *message);
    tcp().expires_after(Chrono(limits().write_timeout));
    bhttp::async_write_header(
        stream_, *serializer,
        [self = Self(), message, serializer](beast::error_code ec, size_t) {
          if (ec) return self->Shut();
          // The probe's read never times out (only the writes do).
          self->tcp().expires_never();
          self->Probe();
          self->NextPiece();
        });
  }

  // While a body streams, a read of a few bytes stays pending, so a client
  // that closes its connection (or resets it) is noticed at once: its
  // stream is cancelled and the connection closed, freeing its places,
  // instead of waiting for a write (a heartbeat) to fail. Bytes the client
  // sends meanwhile (a pipelined request) are kept in buffer_ and served
  // after the stream, in order; once a request's worth of headers
  // (max_header_bytes) is kept, the probe stops (the rest waits in the
  // kernel) and a close is noticed only by a failed write.
  void Probe() {
    if (probing_ ||
        buffer_.size() >= static_cast<size_t>(limits().max_header_bytes)) {
      return;
    }
    probing_ = true;
    stream_.async_read_some(buffer_.prepare(kProbeBytes),
                            [self = Self()](beast::error_code ec, size_t n) {
                              self->OnProbe(ec, n);
                            });
  }

  void OnProbe(beast::error_code ec, size_t n) {
    probing_ = false;
    buffer_.commit(n);
    if (streaming_) {
      if (ec) {
        spdlog::debug("http: {} closed its stream's connection: {}", remote_,
                      ec.message());
        return Shut();
      }
      return Probe();
    }
    // The stream ended while the probe was pending.
    if (ec && ec != net::error::operation_aborted) return Shut();
    if (resume_after_probe_) {
      resume_after_probe_ = false;
      WaitForRequest();
    }
    // Else the stream's last chunk is being written; its end goes on.
  }

  void NextPiece() {
    if (!body_stream_) return Shut();
    tcp().expires_never();
    // `ready` holds the session until the source answers (Cancel makes it
    // answer soon).
    auto running = server_->running;
    body_stream_->Next([self = Self(), running](std::string piece, bool done) {
      if (!running->load()) return;
      auto executor = self->stream_.get_executor();
      net::post(executor, [self, piece = std::move(piece), done]() mutable {
        self->WritePiece(std::move(piece), done);
      });
    });
  }

  void WritePiece(std::string piece, bool done) {
    // Each piece flushed: the client decodes it on arrival, as it would
    // the plain piece.
    if (gzip_ && (!piece.empty() || done)) piece = gzip_->Compress(piece, done);
    auto data = std::make_shared<std::string>(std::move(piece));
    tcp().expires_after(Chrono(limits().write_timeout));
    auto after = [self = Self(), data, done](beast::error_code ec, size_t) {
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
    gzip_.reset();
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = Self()](beast::error_code ec, size_t) {
                       self->streaming_ = false;
                       if (ec || !self->keep_alive_) return self->Shut();
                       if (!self->probing_) return self->WaitForRequest();
                       // Stop the probe; its end reads the next request
                       // (with what the probe kept).
                       self->resume_after_probe_ = true;
                       self->tcp().cancel();
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
    // Over TLS too the TCP connection just closes: every response has a
    // length (or chunks), so no close_notify is needed to mark its end.
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().close();
  }

  HttpServer::Impl* const server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const std::string client_;
  const std::string remote_;
  const bool loopback_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::string if_none_match_;
  // The request's Accept-Encoding allows gzip.
  bool accept_gzip_ = false;
  std::shared_ptr<BodyStream> body_stream_;
  // From a stream's headers to its last chunk written.
  bool streaming_ = false;
  // The probe's read is pending (Probe).
  bool probing_ = false;
  // The stream has ended: the probe's end reads the next request.
  bool resume_after_probe_ = false;
  // Set while a gzipped stream is sent.
  std::unique_ptr<GzipEncoder> gzip_;
  // The request being answered (null for one that did not parse).
  std::shared_ptr<const Request> request_;
  absl::Time received_;
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec,
                                                      tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    {
      // Stopping: the acceptor is (being) closed, and accepting again
      // would fail at once, again and again.
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) return;
    }
    if (!ec) {
      beast::error_code peer_ec;
      tcp::endpoint peer = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        std::string client = ClientOf(peer.address());
        if (Admit(client)) {
          std::string remote =
              absl::StrCat(peer.address().to_string(), ":", peer.port());
          const bool loopback = IsLoopback(peer.address());
          if (tls) {
            auto session = std::make_shared<Session<TlsStream>>(
                this, client, std::move(remote), loopback, std::move(socket),
                *tls);
            Track(session);
            session->Start();
          } else {
            auto session = std::make_shared<Session<beast::tcp_stream>>(
                this, client, std::move(remote), loopback, std::move(socket));
            Track(session);
            session->Start();
          }
        } else {
          spdlog::debug("http: refused a connection from {}: limit", client);
          socket.close(peer_ec);
        }
      }
    } else {
      spdlog::debug("http: accept: {}", ec.message());
      // Such as out of file descriptors: try again shortly, not in a loop.
      auto timer = std::make_shared<net::steady_timer>(
          ioc, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](beast::error_code) { Accept(); });
      return;
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

void HttpServer::Impl::Track(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions[session.get()] = session;
}

void HttpServer::Impl::Untrack(SessionBase* session) {
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
  auto impl = std::make_unique<Impl>(options, router);
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto tls = LoadTlsContext(options.tls_cert_file, options.tls_key_file);
    if (!tls.ok()) return tls.status();
    impl->tls = *std::move(tls);
  }
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

absl::Status HttpServer::CheckTls(const HttpOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    return absl::OkStatus();
  }
  return LoadTlsContext(options.tls_cert_file, options.tls_key_file).status();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  std::vector<std::shared_ptr<SessionBase>> open;
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
