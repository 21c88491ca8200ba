#include "federation/grpc/client_address.h"

#include "absl/strings/match.h"
#include "federation/grpc/grpc_transport.h"

namespace civhub::federation {

std::string ClientKey(absl::string_view grpc_peer) {
  if (!absl::StartsWith(grpc_peer, "ipv4:") &&
      !absl::StartsWith(grpc_peer, "ipv6:")) {
    return "";  // unix:, or anything that is not a network address.
  }
  return federation::SourceNetwork(grpc_peer, /*ipv6_prefix_bits=*/64);
}

}  // namespace civhub::federation
