#include "http/router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace civhub::http {
namespace {

std::vector<std::string> Segments(absl::string_view path) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(path, '/')) {
    out.emplace_back(s);
  }
  // "/a/b" splits into "", "a", "b": drop the leading empty segment.
  if (!out.empty() && out.front().empty()) out.erase(out.begin());
  return out;
}

}  // namespace

void Router::Add(absl::string_view method, absl::string_view pattern,
                 Handler handler, bool cross_origin) {
  routes_.push_back(Route{std::string(method), Segments(pattern),
                          std::move(handler), cross_origin});
}

bool Router::Match(const Route& route, const std::vector<std::string>& path,
                   std::vector<std::string>* params) {
  params->clear();
  const std::vector<std::string>& want = route.segments;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "*" && i + 1 == want.size()) {
      std::vector<std::string> rest(path.begin() + std::min(i, path.size()),
                                    path.end());
      params->push_back(absl::StrJoin(rest, "/"));
      return true;
    }
    if (i >= path.size()) return false;
    if (want[i].size() >= 2 && want[i].front() == '{' &&
        want[i].back() == '}') {
      if (path[i].empty()) return false;
      params->push_back(path[i]);
    } else if (want[i] != path[i]) {
      return false;
    }
  }
  return want.size() == path.size();
}

void Router::Dispatch(std::shared_ptr<Request> request, Reply reply) const {
  std::vector<std::string> path = Segments(request->path);
  std::vector<std::string> allowed;
  std::vector<std::string> params;
  bool cross_origin = true;
  for (const Route& route : routes_) {
    if (!Match(route, path, &params)) continue;
    bool method_ok = route.method == request->method ||
                     (route.method == "GET" && request->method == "HEAD");
    if (!method_ok) {
      allowed.push_back(route.method);
      cross_origin = cross_origin && route.cross_origin;
      continue;
    }
    request->path_params = std::move(params);
    if (!route.cross_origin) {
      reply = [reply = std::move(reply)](Response response) {
        response.cross_origin = false;
        reply(std::move(response));
      };
    }
    route.handler(std::move(request), std::move(reply));
    return;
  }
  if (!allowed.empty()) {
    Response response =
        JsonError(405, "UNIMPLEMENTED",
                  request->method + " is not allowed on " + request->path);
    // HEAD goes with GET, and the server answers OPTIONS on every path.
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
      allowed.push_back("HEAD");
    }
    allowed.push_back("OPTIONS");
    response.headers.emplace_back("allow", absl::StrJoin(allowed, ", "));
    response.cross_origin = cross_origin;
    return reply(std::move(response));
  }
  reply(JsonError(404, "NOT_FOUND", "no such path: " + request->path));
}

}  // namespace civhub::http
