// The hub's HTTP face: the JSON API under /v1/ (the Directory service as
// gRPC-JSON transcoding would serve it), the web directory at /, metrics
// at /metrics and health at /healthz and /readyz, on one HttpServer.
//
// Each part registers its routes on the gateway's Router (api.h, web.h,
// metrics_routes.h); queries run on the gateway's CallGate, never on the
// HTTP server's I/O threads.
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

namespace civhub::gateway {

struct GatewayOptions {
  http::HttpOptions http;
  // Workers and per-client limits for the queries the API runs.
  node::CallLimits calls;
  // A query is stopped after this (504 to the client).
  absl::Duration query_deadline = absl::Seconds(10);
  // Limits of the /v1/changes streams.
  ChangeFeedLimits changes;
};

// What the gateway serves, owned elsewhere (HubServer). Everything must
// outlive the gateway.
struct GatewayContext {
  hubnode::HubNode* node = nullptr;
  // Set once every listener of the hub is up (for /readyz).
  const std::atomic<bool>* listeners_up = nullptr;
};

class Api;

class Gateway {
 public:
  // Builds the routes and starts the HTTP server; HttpServer::Start's
  // errors.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      const GatewayOptions& options, const GatewayContext& context);

  // Stop()s.
  ~Gateway();

  // Stops the HTTP server (closing every connection), then the workers.
  // Idempotent.
  void Stop();

  // The HTTP address bound ("127.0.0.1:7342").
  const std::string& address() const { return server_->address(); }
  int connections() const { return server_->connections(); }

 private:
  Gateway(const GatewayOptions& options, const GatewayContext& context);

  const GatewayOptions options_;
  const GatewayContext context_;
  node::CallGate gate_;
  http::Router router_;
  std::unique_ptr<Api> api_;  // After gate_: its streams read on the gate.
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_GATEWAY_H_
