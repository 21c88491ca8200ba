// Maps (method, path) to handlers. A pattern is a path whose segments are
// literals or {name} (one segment, percent-decoded, into
// Request::path_params); a final "*" segment matches the rest of the path
// (any number of segments, into one path_param). The first pattern added
// that matches wins. Not thread-safe while adding; Dispatch is const and
// may run on many threads.
#ifndef CIVHUB_HTTP_ROUTER_H_
#define CIVHUB_HTTP_ROUTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "http/message.h"

namespace civhub::http {

class Router {
 public:
  // `method` is "GET" (which also answers HEAD), "POST", …
  // `cross_origin` false: no response of the route, nor a 405 on its path,
  // carries CORS headers (Response::cross_origin is forced false), so
  // other sites' scripts cannot read them (such as /metrics).
  void Add(absl::string_view method, absl::string_view pattern, Handler handler,
           bool cross_origin = true);

  // Calls the matching handler with path_params filled, or replies 404
  // (no pattern matches) or 405 with Allow (a pattern matches the path but
  // not the method) as a JSON error.
  void Dispatch(std::shared_ptr<Request> request, Reply reply) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    bool cross_origin;
  };
  static bool Match(const Route& route, const std::vector<std::string>& path,
                    std::vector<std::string>* params);

  std::vector<Route> routes_;
};

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_ROUTER_H_
