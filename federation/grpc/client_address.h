// Who a call or connection comes from, as the public ports' limits count it,
// and the seam through which services report a client that misbehaves.
#ifndef CIVHUB_FEDERATION_GRPC_CLIENT_ADDRESS_H_
#define CIVHUB_FEDERATION_GRPC_CLIENT_ADDRESS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::federation {

// The key per-client limits count by, from a gRPC peer string ("ipv4:
// 203.0.113.7:40112", "ipv6:[2001:db8::1]:443", "unix:..."): the IPv4
// address; for IPv6 its /64 (one host is routinely given a whole /64); a
// v4-mapped IPv6 address as IPv4. "" for a local (unix socket) caller,
// which no per-client limit applies to.
std::string ClientKey(absl::string_view grpc_peer);

// Receives reports of clients whose calls look like an attack (a stream of
// calls cancelled as soon as they were made, far more calls than any limit
// allows). The implementation (ConnectionGuard) closes that client's
// connections and refuses new ones from it for a while. Thread-safe.
class AbuseSink {
 public:
  virtual ~AbuseSink() = default;
  // `grpc_peer` as ServerContext::peer() gives it; `why` for the log.
  virtual void ReportAbuse(absl::string_view grpc_peer,
                           absl::string_view why) = 0;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_GRPC_CLIENT_ADDRESS_H_
