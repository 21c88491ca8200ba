// The requests and responses the HTTP server hands to civhub's handlers,
// free of Beast types, so handlers (the JSON API, the web directory,
// metrics) are plain functions a test can call without a socket.
#ifndef CIVHUB_HTTP_MESSAGE_H_
#define CIVHUB_HTTP_MESSAGE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace civhub::http {

struct Request {
  std::string method;  // "GET", "HEAD", "OPTIONS", …
  // As received: "/v1/search?text=water".
  std::string target;
  // The path, percent-decoded, without the query: "/v1/search".
  std::string path;
  // The query parameters, percent-decoded ('+' is a space), in order.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Values of the pattern's {name} segments, in order (Router fills them).
  std::vector<std::string> path_params;
  // The client as limits count it: an IPv4 address, or an IPv6 /64.
  std::string client;
  // The peer's address and port, for logs: "127.0.0.1:50312".
  std::string remote;
  // The peer is on a loopback address (127.0.0.0/8, ::1).
  bool loopback = false;

  // The first value of a header (name in lower case) or query parameter;
  // null if absent.
  const std::string* Header(absl::string_view name) const;
  const std::string* Param(absl::string_view name) const;
};

// A response body produced piece by piece (a change feed). The server
// sends the response's headers, then asks for pieces one at a time and
// writes each as an HTTP/1.1 chunk. Asking costs no thread: a source with
// nothing to send keeps `ready` and calls it later, from any thread.
class BodyStream {
 public:
  using Ready = std::function<void(std::string piece, bool done)>;
  virtual ~BodyStream() = default;
  // Asks for the next piece. The source calls `ready` exactly once, from
  // any thread: with bytes to send (may be empty only with done), and
  // done=true after the last piece. Not called again before `ready` ran.
  virtual void Next(Ready ready) = 0;
  // The client went away or the server is stopping: the source should call
  // a pending `ready` soon (with done=true); its bytes are dropped.
  virtual void Cancel() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // More headers ("cache-control", "retry-after", …).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A strong validator for the body, with its quotes ("\"ab12\""); the
  // server answers 304 to a GET with a matching If-None-Match.
  std::string etag;
  // When set, the body is streamed from it instead of `body`.
  std::shared_ptr<BodyStream> stream;
  // Access-Control-Allow-Origin: * on the response (any method), so any
  // web page may read it (public data; no credentials). False for what
  // should not be readable by other origins' scripts (such as /metrics).
  bool cross_origin = true;
};

// Called once per response; from any thread.
using Reply = std::function<void(Response)>;
// Handles one request and calls `reply` once, now or later from any thread.
// Runs on the server's I/O threads: anything that may take more than
// microseconds (a query) must go to a worker (node::CallGate).
using Handler =
    std::function<void(std::shared_ptr<const Request> request, Reply reply)>;

// A JSON error body {"code":…,"message":…,"field":…} with the status; the
// format of every error civhub's HTTP API returns (docs/api.md). `code` is
// the gRPC code's name ("INVALID_ARGUMENT"); `field` may be empty.
Response JsonError(int status, absl::string_view code,
                   absl::string_view message, absl::string_view field = "");

// A string as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view s);

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_MESSAGE_H_
