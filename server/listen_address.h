// HOST:PORT addresses of civhubd's TCP listeners, checked before anything
// binds, so a mistake gets one clear line instead of a gRPC log line.
#ifndef CIVHUB_SERVER_LISTEN_ADDRESS_H_
#define CIVHUB_SERVER_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace civhub::server {

struct HostPort {
  std::string host;  // Without brackets: "127.0.0.1", "::1", "hub.example".
  int port = 0;
};

// Parses "HOST:PORT" or "[IPV6]:PORT". INVALID_ARGUMENT quoting `address`
// if the host or the port is missing, or the port is not a number in
// 0–65535 (1–65535 when `allow_port_zero` is false); the caller prefixes
// the flag ("--listen: ").
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       bool allow_port_zero = true);

// Checks that this process could listen on `address` (parsed by
// ParseHostPort): binds a throwaway socket to each address the host
// resolves to (SO_REUSEADDR as gRPC does; never SO_REUSEPORT, so a port
// another process listens on is in use even if that process allowed port
// sharing) and closes it. On error a status naming `address`, the reason
// and what to do: UNAVAILABLE "cannot listen on 127.0.0.1:7340: address
// already in use (is another civhubd running?) …", INVALID_ARGUMENT for
// a host that is not an address of this machine or does not resolve,
// PERMISSION_DENIED for a privileged port.
absl::Status CheckCanListen(absl::string_view address, absl::string_view flag);

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_LISTEN_ADDRESS_H_
