#include "node/server/client_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace civhub::server {

std::string ClientKey(absl::string_view grpc_peer) {
  absl::string_view host;
  int family;
  if (absl::ConsumePrefix(&grpc_peer, "ipv4:")) {
    family = AF_INET;
    host = grpc_peer.substr(0, grpc_peer.rfind(':'));
  } else if (absl::ConsumePrefix(&grpc_peer, "ipv6:[")) {
    family = AF_INET6;
    host = grpc_peer.substr(0, grpc_peer.find(']'));
    host = host.substr(0, host.find('%'));  // A zone ("%eth0").
  } else {
    return "";  // unix:, or anything that is not a network address.
  }
  const std::string address(host);
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    in_addr v4;
    if (inet_pton(AF_INET, address.c_str(), &v4) != 1) return address;
    return address;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return address;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr v4;
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    inet_ntop(AF_INET, &v4, text, sizeof(text));
    return text;
  }
  std::memset(&v6.s6_addr[8], 0, 8);
  inet_ntop(AF_INET6, &v6, text, sizeof(text));
  return std::string(text) + "/64";
}

}  // namespace civhub::server
