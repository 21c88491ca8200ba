#include "server/listen_address.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace civhub::server {
namespace {

absl::Status Malformed(absl::string_view address, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", address, "\" ", what,
                   "; expected HOST:PORT, such as 127.0.0.1:7340 (0.0.0.0:7340 "
                   "for every interface)"));
}

// Binds and closes a TCP socket on `ai`; 0 or the errno.
int TryBind(const addrinfo& ai) {
  int fd =
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return errno;
  // A port in TIME_WAIT after a restart is free for gRPC (which sets
  // SO_REUSEADDR), so it is for the check too.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ai.ai_family == AF_INET6) {
    // Like gRPC, "[::]" is dual-stack; a check of the IPv6 half alone
    // would miss an IPv4 listener on the same port.
    int zero = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  }
  int err = ::bind(fd, ai.ai_addr, ai.ai_addrlen) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address,
                                       bool allow_port_zero) {
  HostPort out;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return Malformed(address, "has no ']' after the IPv6 address");
    }
    out.host = std::string(address.substr(1, close - 1));
    absl::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Malformed(address, "has no port");
    }
    port = rest.substr(1);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return Malformed(address, "has no host");
    }
    out.host = std::string(address.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return Malformed(address,
                       "is not HOST:PORT (an IPv6 address goes in brackets, "
                       "as [::1]:7340)");
    }
    port = address.substr(colon + 1);
  }
  if (out.host.empty()) return Malformed(address, "has no host");
  if (port.empty()) return Malformed(address, "has no port");
  bool digits = port.size() <= 5;
  for (char c : port) digits = digits && absl::ascii_isdigit(c);
  int value = 0;
  if (!digits || !absl::SimpleAtoi(port, &value) || value > 65535 ||
      (value == 0 && !allow_port_zero)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "port \"", port, "\" of \"", address, "\" is not a number in ",
        allow_port_zero ? "0" : "1", "–65535",
        allow_port_zero ? " (0 picks a free port)" : ""));
  }
  out.port = value;
  return out;
}

absl::Status CheckCanListen(absl::string_view address, absl::string_view flag) {
  absl::StatusOr<HostPort> hp = ParseHostPort(address);
  if (!hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", hp.status().message()));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(hp->port);
  if (int rc = ::getaddrinfo(hp->host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", address, ": cannot resolve ",
                     hp->host, " (", ::gai_strerror(rc), "); check ", flag));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found,
                                                             &::freeaddrinfo);
  // gRPC listens on every address the host resolves to and fails only if
  // none binds; a port in use on any of them is reported all the same.
  int first_error = 0;
  bool any_bound = false;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int err = TryBind(*ai);
    if (err == EADDRINUSE || err == EACCES) {
      first_error = err;
      break;
    }
    if (err == 0) any_bound = true;
    if (err != 0 && first_error == 0) first_error = err;
  }
  if (any_bound && first_error != EADDRINUSE && first_error != EACCES) {
    return absl::OkStatus();
  }
  const std::string prefix = absl::StrCat("cannot listen on ", address, ": ");
  switch (first_error) {
    case EADDRINUSE:
      return absl::UnavailableError(absl::StrCat(
          prefix,
          "address already in use (is another civhubd running?); stop it, or "
          "pick another port with ",
          flag));
    case EADDRNOTAVAIL:
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, hp->host, " is not an address of this machine; give ", flag,
          " one of its own addresses (127.0.0.1 for this machine only, "
          "0.0.0.0 for every interface)"));
    case EACCES:
      return absl::PermissionDeniedError(
          absl::StrCat(prefix,
                       "permission denied (ports below 1024 need root or "
                       "CAP_NET_BIND_SERVICE); pick a port above 1023 with ",
                       flag));
    default:
      return absl::UnavailableError(
          absl::StrCat(prefix, std::strerror(first_error), " (", flag, ")"));
  }
}

}  // namespace civhub::server
