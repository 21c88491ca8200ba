#include "gateway/health.h"

namespace civhub::gateway {

void AddHealthRoutes(const GatewayContext& context, http::Router* router) {
  router->Add("GET", "/healthz",
              [](std::shared_ptr<const http::Request>, http::Reply reply) {
                http::Response response;
                response.content_type = "text/plain; charset=utf-8";
                response.body = "ok\n";
                response.headers.emplace_back("cache-control", "no-store");
                reply(std::move(response));
              });
  router->Add(
      "GET", "/readyz",
      [context](std::shared_ptr<const http::Request>, http::Reply reply) {
        http::Response response;
        response.content_type = "text/plain; charset=utf-8";
        response.headers.emplace_back("cache-control", "no-store");
        bool up =
            context.listeners_up == nullptr || context.listeners_up->load();
        bool store_open =
            context.node != nullptr && context.node->store() != nullptr;
        if (!store_open) {
          response.status = 503;
          response.body = "not ready: the store is closed\n";
        } else if (!up) {
          response.status = 503;
          response.body = "not ready: listeners are starting\n";
        } else {
          response.body = "ready\n";
        }
        reply(std::move(response));
      });
}

}  // namespace civhub::gateway
