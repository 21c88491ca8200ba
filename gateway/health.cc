#include "gateway/health.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace civhub::gateway {

std::string NotReadyReason(const GatewayContext& context) {
  node::Store* store =
      context.node == nullptr ? nullptr : context.node->store();
  if (store == nullptr) return "the store is closed";
  if (std::optional<node::StoreFailure> failure = store->failure()) {
    return absl::StrCat(
        "the store is read-only after a write failed at ",
        absl::FormatTime(absl::RFC3339_sec, failure->at, absl::UTCTimeZone()),
        ": ", failure->reason,
        " (searches are still answered; free the disk and restart civhubd)");
  }
  if (context.listeners_up != nullptr && !context.listeners_up->load()) {
    return "the hub's listeners are starting";
  }
  return "";
}

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
        if (std::string why = NotReadyReason(context); !why.empty()) {
          response.status = 503;
          response.body = absl::StrCat("not ready: ", why, "\n");
        } else {
          response.body = "ready\n";
        }
        reply(std::move(response));
      });
}

}  // namespace civhub::gateway
