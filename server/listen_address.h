// HOST:PORT addresses of civhubd's TCP listeners, checked before anything
// binds, so a mistake gets one clear line instead of a gRPC log line.
#ifndef CIVHUB_SERVER_LISTEN_ADDRESS_H_
#define CIVHUB_SERVER_LISTEN_ADDRESS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace civhub::server {

// civhubd's ports: the defaults of --listen, --peer-listen and
// --http-listen, and the one docs/operations.md suggests for
// --metrics-listen (which has none).
inline constexpr int kDefaultListenPort = 7340;
inline constexpr int kDefaultPeerListenPort = 7341;
inline constexpr int kDefaultHttpListenPort = 7342;
inline constexpr int kDefaultMetricsListenPort = 9342;

struct HostPort {
  std::string host;  // Without brackets: "127.0.0.1", "::1", "hub.example".
  int port = 0;
};

// Parses "HOST:PORT" or "[IPV6]:PORT". INVALID_ARGUMENT quoting `address`
// if the host or the port is missing (with an example on `example_port`,
// the flag's default: "\"127.0.0.1\" has no port; expected HOST:PORT, such
// as 127.0.0.1:7342 …"), or the port is not a number in 0–65535 (1–65535
// when `allow_port_zero` is false); the caller prefixes the flag
// ("--http-listen: ").
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       bool allow_port_zero = true,
                                       int example_port = kDefaultListenPort);

// One of civhubd's own TCP listeners.
struct Listener {
  std::string flag;     // "--http-listen"
  std::string address;  // As given; empty: not listening.
  int default_port;     // kDefaultHttpListenPort: in the advice given
};

// Checks, before anything binds, that no two of civhubd's own listeners
// ask for the same port on overlapping hosts (the same host, a wildcard
// such as 0.0.0.0 that takes every address, or localhost and 127.0.0.1);
// port 0 never clashes. INVALID_ARGUMENT naming both flags and what to do:
// "--listen 127.0.0.1:7340 and --http-listen 127.0.0.1:7340 are the same
// port: … give --http-listen another port, such as 127.0.0.1:7342" (the
// second flag's `default_port`).
// Addresses that do not parse are left to ParseHostPort's check.
absl::Status CheckDistinctListeners(const std::vector<Listener>& listeners);

// For a banner: the bound `address` ("0.0.0.0:7342"), with a wildcard host
// replaced by the loopback address a person on this machine can open
// ("127.0.0.1:7342"; "[::1]:P" for "[::]:P"), and `all_interfaces` set;
// any other address as it is.
std::string OpenableAddress(absl::string_view bound, bool* all_interfaces);

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
