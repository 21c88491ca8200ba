// civhub's HTTP/1.1 server: Boost.Beast over Boost.Asio, asynchronous, so
// an idle keep-alive connection or a waiting change stream costs a socket
// and a few kilobytes, not a thread. A few I/O threads read requests,
// hand them to the Router and write what the handlers reply.
//
// Every resource a client can hold is bounded (HttpLimits): the size of a
// request's header and body, the time to send a request, the idle time of
// a kept-alive connection, connections per client address and in all, and
// requests per second per client address (429 with Retry-After).
//
// On every response the server also does what each handler would
// otherwise repeat:
// - HTTPS when given a certificate (Boost.Asio's OpenSSL stream);
// - gzip (zlib) for a text or JSON body of kMinGzipBytes or more when the
//   request's Accept-Encoding allows it, with Content-Encoding: gzip and
//   Vary: Accept-Encoding, the ETag then weak (W/"…"); a streamed body of
//   such a type is gzipped piece by piece, each piece flushed
//   (Z_SYNC_FLUSH) so the client can decode it as soon as it arrives;
// - CORS: Access-Control-Allow-Origin: * on every response, whatever the
//   method, errors included (public data, no credentials;
//   Response::cross_origin = false leaves it out), and OPTIONS (a
//   browser's preflight) answered 204 with
//   Access-Control-Allow-Methods/-Headers/-Max-Age for any path;
// - ETag/If-None-Match: 304;
// - on the HTTPS port, a plain-HTTP request gets a plain 400 naming the
//   https:// URL to use (Beast's detect_ssl), then the connection closes;
// - while a body streams, a small read stays pending on the connection: a
//   client that closes (or half-closes) it has its stream cancelled and
//   the connection closed at once; a request it pipelines meanwhile is
//   answered after the stream.
#ifndef CIVHUB_HTTP_HTTP_SERVER_H_
#define CIVHUB_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/router.h"

namespace civhub::http {

struct HttpLimits {
  // A request's start line and headers; more: 431 and the connection
  // closes.
  int max_header_bytes = 16 << 10;
  // A request's body; more: 413 and the connection closes.
  int max_body_bytes = 64 << 10;
  // A request must arrive whole within this, from its first byte (a client
  // sending a byte a second is closed): the connection is closed. Also the
  // time a new connection has to finish its TLS handshake and to start its
  // first request.
  absl::Duration request_timeout = absl::Seconds(10);
  // A kept-alive connection with no request in progress is closed after
  // this.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Writing one response (or one piece of a stream) must finish within this
  // (a client that stops reading is closed, and its stream cancelled, once
  // the connection's buffers are full).
  absl::Duration write_timeout = absl::Seconds(60);
  // Open connections per client (an IPv4 address, an IPv6 /64) and in all;
  // one over is accepted and closed at once.
  int max_connections_per_client = 64;
  int max_connections = 10000;
  // Requests per client: a token bucket holding up to `request_burst`
  // requests, refilled at `requests_per_second`. A request over it gets
  // 429 with Retry-After (whole seconds until one more is allowed) and a
  // RESOURCE_EXHAUSTED JSON error; the connection stays open. Loopback
  // clients are limited too. requests_per_second 0: no limit.
  double requests_per_second = 50;
  double request_burst = 200;
};

struct HttpOptions {
  // HOST:PORT; port 0 picks a free port.
  std::string listen = "127.0.0.1:7342";
  // PEM certificate chain and key: HTTPS. Both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Threads running the I/O (not the queries; handlers hand those to
  // workers).
  int io_threads = 2;
  HttpLimits limits;
  // Told of every response as it starts (for metrics and logs): the
  // request (null if it did not parse), the status, and the time since the
  // request arrived whole. Runs on an I/O thread: must be quick. May be
  // empty.
  std::function<void(const Request* request, int status,
                     absl::Duration elapsed)>
      on_response;
};

class HttpServer {
 public:
  // Binds `options.listen` and starts serving `router` (which must outlive
  // the server). INVALID_ARGUMENT naming --http-listen for an address that
  // does not parse; UNAVAILABLE "cannot listen on …: address already in use"
  // (never shared: no SO_REUSEPORT); FAILED_PRECONDITION naming the file if
  // the TLS certificate or key cannot be read, holds no PEM chain or key,
  // or they do not match (INVALID_ARGUMENT if only one is given).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpOptions& options, const Router* router);

  // Start's checks of the TLS files alone, for a caller that wants them
  // before it binds anything. OK when neither file is given.
  static absl::Status CheckTls(const HttpOptions& options);

  // Stop()s.
  ~HttpServer();

  // Stops accepting, closes every connection (streams get Cancel) and joins
  // the I/O threads. Idempotent.
  void Stop();

  // The address bound, e.g. "127.0.0.1:7342" (the real port for port 0).
  const std::string& address() const;
  // Open connections now.
  int connections() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_HTTP_SERVER_H_
