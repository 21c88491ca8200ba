// A server interceptor counting every gRPC call a server answers, into the
// process-wide metrics registry (node/base/metrics.h):
//   civhub_grpc_requests_total{server,method,code}
//   civhub_grpc_request_duration_seconds{server,method}
// `server` names the server ("public", "admin", "federation"); `method` is
// the full method ("civhub.v1.Directory/Search"), from the services the
// server registered (gRPC answers an unknown method before interceptors),
// so label values stay bounded. A call the client cancels before its status
// is sent is not counted.
#ifndef CIVHUB_SERVER_GRPC_METRICS_H_
#define CIVHUB_SERVER_GRPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

namespace civhub::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptor(std::string server);

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_GRPC_METRICS_H_
