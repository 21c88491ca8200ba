// GET /metrics: the hub's metrics in the Prometheus text format
// (node/base/metrics.h): the process-wide registry plus the server's
// scrape-time figures (GatewayContext::metrics).
//
// On the HTTP port (--http-listen), /metrics answers only clients on a
// loopback address; others get 403 with a JSON error saying to scrape
// through --metrics-listen or a reverse proxy. On --metrics-listen (an
// HttpServer of its own serving only /metrics, /healthz and /readyz) it
// answers whoever can reach that address.
#ifndef CIVHUB_GATEWAY_METRICS_ROUTES_H_
#define CIVHUB_GATEWAY_METRICS_ROUTES_H_

#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "http/message.h"
#include "node/base/call_gate.h"

namespace civhub::gateway {

// Scrapes run on `gate`'s workers (the server's figures read the store and
// the data dir), never on an I/O thread; a scrape the gate refuses gets 503.
// `gate` must outlive the router's server.
void AddMetricsRoutes(const GatewayContext& context, bool loopback_only,
                      node::CallGate* gate, http::Router* router);

// Counts one HTTP response (HttpOptions::on_response):
// civhub_http_requests_total{code,method} and
// civhub_http_request_duration_seconds. Thread-safe.
void ObserveHttpResponse(const http::Request* request, int status,
                         absl::Duration elapsed);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_METRICS_ROUTES_H_
