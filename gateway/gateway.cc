#include "gateway/gateway.h"

#include <utility>

#include "gateway/api.h"
#include "gateway/health.h"
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
  auto server = http::HttpServer::Start(options.http, &gateway->router_);
  if (!server.ok()) return server.status();
  gateway->server_ = *std::move(server);
  return gateway;
}

Gateway::~Gateway() { Stop(); }

void Gateway::Stop() {
  if (server_) server_->Stop();
  if (api_) api_->Stop();
  gate_.Stop();
}

}  // namespace civhub::gateway
