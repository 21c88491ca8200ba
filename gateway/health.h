// GET /healthz: the process answers (200 "ok"). GET /readyz: the store is
// open and writable (not read-only after a failed write) and every listener
// is up (200 "ready"), else 503 with a plain-text body saying what is not
// ("not ready: the store is read-only after a write failed at …: No space
// left on device …").
#ifndef CIVHUB_GATEWAY_HEALTH_H_
#define CIVHUB_GATEWAY_HEALTH_H_

#include <string>

#include "gateway/gateway.h"

namespace civhub::gateway {

void AddHealthRoutes(const GatewayContext& context, http::Router* router);

// Why /readyz answers 503; empty when ready. Thread-safe.
std::string NotReadyReason(const GatewayContext& context);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_HEALTH_H_
