// GET /healthz: the process answers (200 "ok"). GET /readyz: the store is
// open and writable and every listener is up (200), else 503 saying what
// is not.
#ifndef CIVHUB_GATEWAY_HEALTH_H_
#define CIVHUB_GATEWAY_HEALTH_H_

#include "gateway/gateway.h"

namespace civhub::gateway {

void AddHealthRoutes(const GatewayContext& context, http::Router* router);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_HEALTH_H_
