// The hub's HTTP face: the JSON API under /v1/ (the Directory service as
// gRPC-JSON transcoding would serve it), the Open Referral HSDS 3.0 API
// under /hsds/, the web directory at /, metrics at /metrics and health at
// /healthz and /readyz, on one HttpServer.
//
// Each part registers its routes on the gateway's Router (api.h,
// hsds_api.h, web.h, metrics_routes.h); queries run on the gateway's CallGate,
// never on the HTTP server's I/O threads.
#ifndef CIVHUB_GATEWAY_GATEWAY_H_
#define CIVHUB_GATEWAY_GATEWAY_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/change_feed.h"
#include "http/http_server.h"
#include "http/router.h"
#include "hubnode/hub_node.h"
#include "node/base/call_gate.h"
#include "node/base/metrics.h"

namespace civhub::gateway {

struct GatewayOptions {
  http::HttpOptions http;
  // Workers and per-client limits for the queries the API runs.
  node::CallLimits calls;
  // A query is stopped after this (504 to the client).
  absl::Duration query_deadline = absl::Seconds(10);
  // Limits of the /v1/changes streams.
  ChangeFeedLimits changes;
  // HOST:PORT of a second HTTP server with only /metrics, /healthz and
  // /readyz, open to whoever can reach it (plain HTTP, `http`'s limits);
  // empty: none, and /metrics answers loopback clients on `http` only.
  std::string metrics_listen;
  // The public address of this hub's web directory
  // ("https://hub.example.org", --web-url): each event of /v1/events.ics
  // links its page there. Empty: not known, no such links.
  std::string web_url;
};

// What the gateway serves, owned elsewhere (HubServer). Everything must
// outlive the gateway.
struct GatewayContext {
  hubnode::HubNode* node = nullptr;
  // Set once every listener of the hub is up (for /readyz).
  const std::atomic<bool>* listeners_up = nullptr;
  // The server's figures read at each scrape of /metrics (records, peers,
  // store, memory), beside the process-wide registry. May be null.
  const prometheus::Collectable* metrics = nullptr;
};

class Api;
class HsdsApi;

class Gateway {
 public:
  // Builds the routes and starts the HTTP server (none if
  // `options.http.listen` is empty) and the metrics server (if
  // `options.metrics_listen` is set); HttpServer::Start's errors, naming
  // --metrics-listen for the metrics server's.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      const GatewayOptions& options, const GatewayContext& context);

  // Stop()s.
  ~Gateway();

  // Stops the HTTP server (closing every connection), then the workers.
  // Idempotent.
  void Stop();

  // The HTTP address bound ("127.0.0.1:7342").
  // Empty if there is none.
  const std::string& address() const {
    return server_ ? server_->address() : kNone;
  }
  // The metrics server's address; empty if there is none.
  const std::string& metrics_address() const {
    return metrics_server_ ? metrics_server_->address() : kNone;
  }
  int connections() const { return server_ ? server_->connections() : 0; }

 private:
  Gateway(const GatewayOptions& options, const GatewayContext& context);

  const GatewayOptions options_;
  const GatewayContext context_;
  node::CallGate gate_;
  http::Router router_;
  std::unique_ptr<Api> api_;  // After gate_: its streams read on the gate.
  std::unique_ptr<HsdsApi> hsds_api_;
  std::unique_ptr<http::HttpServer> server_;
  http::Router metrics_router_;
  std::unique_ptr<http::HttpServer> metrics_server_;
  static inline const std::string kNone;
};

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_GATEWAY_H_
