// Bounds the public server's reflection streams
// (grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo). gRPC's
// reflection service is synchronous: each open stream holds a thread, so an
// attacker opening thousands and leaving them idle would hold thousands of
// threads. Installed as a server interceptor; a reaper thread cancels the
// streams of a client beyond its cap and streams idle too long.
#ifndef CIVHUB_SERVER_REFLECTION_GUARD_H_
#define CIVHUB_SERVER_REFLECTION_GUARD_H_

#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"

namespace civhub::server {

struct ReflectionLimits {
  // Streams one client (federation::ClientKey) may hold open; the newest beyond
  // it is cancelled.
  int max_streams_per_client = 4;
  // A stream with no message either way for this long is cancelled.
  absl::Duration idle_timeout = absl::Seconds(30);
  // Who a call is from; empty: federation::ClientKey.
  std::function<std::string(const std::string& grpc_peer)> client_key;
};

// The interceptor factory; give it to ServerBuilder::experimental()
// .SetInterceptorCreators (the server then owns it). Streams are cancelled
// within about a second of going over a limit. Thread-safe.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewReflectionGuard(const ReflectionLimits& limits);

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_REFLECTION_GUARD_H_
