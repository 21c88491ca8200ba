// gRPC's own log lines, through civhubd's log (spdlog) instead of raw to
// stderr.
#ifndef CIVHUB_SERVER_GRPC_LOG_H_
#define CIVHUB_SERVER_GRPC_LOG_H_

namespace civhub::server {

// Routes gRPC's log to spdlog's default logger. TLS handshakes that fail or
// time out go at debug level: they come once per connection, which anyone
// can open (civhubctl status counts connections), and federation already
// reports a failing peer once, counting the repeats (civhubctl peer list).
// Call once, before gRPC starts.
void RouteGrpcLogToSpdlog();

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_GRPC_LOG_H_
