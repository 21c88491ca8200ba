// The seams federation is written against (issue: "Federation: admin-approved
// peer links ..."). Nothing implements them yet; this header fixes the shape
// so that replication logic never talks to gRPC, threads or sleeps directly:
// gRPC over mutual TLS will be one Transport, a simulated network another,
// and node::Clock (node/clock.h) gives time to both.
#ifndef CIVHUB_FEDERATION_TRANSPORT_H_
#define CIVHUB_FEDERATION_TRANSPORT_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace civhub::federation {

// Delivers opaque, already-serialized federation messages between hubs that
// are identified by their keys. Implementations authenticate the remote end
// (its key must be `peer`), and are thread-safe.
class Transport {
 public:
  virtual ~Transport() = default;

  using Reply = std::function<void(absl::StatusOr<std::string> response)>;

  // Sends `request` for `method` to `peer` at `address`; `reply` runs once,
  // on any thread, with the response or an error (UNAVAILABLE when
  // unreachable, UNAUTHENTICATED when the remote key is not `peer`).
  virtual void Call(const crypto::PublicKey& peer, const std::string& address,
                    const std::string& method, std::string request,
                    Reply reply) = 0;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_TRANSPORT_H_
