#include "gateway/metrics_routes.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "node/base/metrics.h"

namespace civhub::gateway {
namespace {

// Methods a client may send are any token: counted under their name only
// when HTTP defines them, so a client cannot add label values at will.
std::string MethodLabel(const http::Request* request) {
  if (request == nullptr) return "unparsed";
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
                        "PATCH", "CONNECT", "TRACE"}) {
    if (request->method == m) return m;
  }
  return "other";
}

}  // namespace

void ObserveHttpResponse(const http::Request* request, int status,
                         absl::Duration elapsed) {
  static auto& requests =
      prometheus::BuildCounter()
          .Name("civhub_http_requests_total")
          .Help("HTTP responses sent, by status code and request method")
          .Register(metrics::ProcessRegistry());
  static auto& durations =
      prometheus::BuildHistogram()
          .Name("civhub_http_request_duration_seconds")
          .Help("Time from a whole HTTP request to the start of its response")
          .Register(metrics::ProcessRegistry());
  static auto& duration = durations.Add({}, metrics::LatencyBuckets());
  requests
      .Add({{"code", absl::StrCat(status)}, {"method", MethodLabel(request)}})
      .Increment();
  duration.Observe(absl::ToDoubleSeconds(elapsed));
}

void AddMetricsRoutes(const GatewayContext& context, bool loopback_only,
                      node::CallGate* gate, http::Router* router) {
  router->Add(
      "GET", "/metrics",
      [context, loopback_only, gate](
          std::shared_ptr<const http::Request> request, http::Reply reply) {
        if (loopback_only && !request->loopback) {
          reply(http::JsonError(
              403, "PERMISSION_DENIED",
              "/metrics is served on this port only to loopback clients "
              "(127.0.0.1, ::1); scrape it on the address given with "
              "--metrics-listen, or through a reverse proxy "
              "(docs/operations.md)"));
          return;
        }
        node::CallGate::Call call;
        call.client = request->client;
        call.run = [context, reply](node::CallOutcome outcome) {
          if (outcome != node::CallOutcome::kRun) {
            reply(http::JsonError(503, "UNAVAILABLE", "the hub is stopping"));
            return;
          }
          http::Response response;
          response.content_type = metrics::kContentType;
          response.headers.emplace_back("cache-control", "no-store");
          response.body = metrics::Render({context.metrics});
          reply(std::move(response));
        };
        if (absl::Status s = gate->Submit(std::move(call)); !s.ok()) {
          reply(http::JsonError(
              s.code() == absl::StatusCode::kUnavailable ? 503 : 429,
              absl::StatusCodeToString(s.code()), s.message()));
        }
      },
      /*cross_origin=*/false);
}

}  // namespace civhub::gateway
