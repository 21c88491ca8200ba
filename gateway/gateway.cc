#include "gateway/gateway.h"

#include <utility>

#include "absl/strings/str_replace.h"
#include "gateway/api.h"
#include "gateway/events_feed.h"
#include "gateway/health.h"
#include "gateway/hsds_api.h"
#include "gateway/metrics_routes.h"
#include "gateway/web.h"

namespace civhub::gateway {

Gateway::Gateway(const GatewayOptions& options, const GatewayContext& context)
    : options_(options), context_(context), gate_(options.calls) {}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    const GatewayOptions& options, const GatewayContext& context) {
  std::unique_ptr<Gateway> gateway(new Gateway(options, context));
  AddHealthRoutes(context, &gateway->router_);
  AddWebRoutes(WebOptions(), &gateway->router_);
  gateway->api_ = std::make_unique<Api>(options, context, &gateway->gate_);
  gateway->api_->AddRoutes(&gateway->router_);
  gateway->hsds_api_ =
      std::make_unique<HsdsApi>(options, context, &gateway->gate_);
  gateway->hsds_api_->AddRoutes(&gateway->router_);
  AddEventsFeedRoutes(options, context, &gateway->gate_, &gateway->router_);
  AddMetricsRoutes(context, /*loopback_only=*/true, &gateway->gate_,
                   &gateway->router_);
  http::HttpOptions http = options.http;
  if (!http.on_response) http.on_response = ObserveHttpResponse;
  if (!http.listen.empty()) {
    auto server = http::HttpServer::Start(http, &gateway->router_);
    if (!server.ok()) return server.status();
    gateway->server_ = *std::move(server);
  }
  if (!options.metrics_listen.empty()) {
    AddHealthRoutes(context, &gateway->metrics_router_);
    AddMetricsRoutes(context, /*loopback_only=*/false, &gateway->gate_,
                     &gateway->metrics_router_);
    http::HttpOptions m = http;
    m.listen = options.metrics_listen;
    m.tls_cert_file.clear();
    m.tls_key_file.clear();
    m.io_threads = 1;
    auto server = http::HttpServer::Start(m, &gateway->metrics_router_);
    if (!server.ok()) {
      // HttpServer names the flag of the main port.
      return absl::Status(
          server.status().code(),
          absl::StrReplaceAll(server.status().message(),
                              {{"--http-listen", "--metrics-listen"}}));
    }
    gateway->metrics_server_ = *std::move(server);
  }
  return gateway;
}

Gateway::~Gateway() { Stop(); }

void Gateway::Stop() {
  if (metrics_server_) metrics_server_->Stop();
  if (server_) server_->Stop();
  if (api_) api_->Stop();
  gate_.Stop();
}

}  // namespace civhub::gateway
