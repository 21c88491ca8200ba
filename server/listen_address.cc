#include "server/listen_address.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace civhub::server {
namespace {

// `example` is HOST:PORT as the flag wants it.
absl::Status Malformed(absl::string_view address, absl::string_view what,
                       absl::string_view host, int example_port) {
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", address, "\" ", what, "; expected HOST:PORT, such as ", host, ":",
      example_port, " (0.0.0.0:", example_port, " for every interface)"));
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
                                       bool allow_port_zero, int example_port) {
  HostPort out;
  absl::string_view port;
  const auto malformed = [&](absl::string_view what) {
    return Malformed(address, what, "127.0.0.1", example_port);
  };
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return malformed("has no ']' after the IPv6 address");
    }
    out.host = std::string(address.substr(1, close - 1));
    absl::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Malformed(address, "has no port", address.substr(0, close + 1),
                       example_port);
    }
    port = rest.substr(1);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      // "7390" is a port without its host; "127.0.0.1" or "localhost" a
      // host without its port.
      bool digits = !address.empty();
      for (char c : address) digits = digits && absl::ascii_isdigit(c);
      if (digits) return malformed("has no host");
      return Malformed(address, "has no port", address, example_port);
    }
    out.host = std::string(address.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return Malformed(address,
                       "is not HOST:PORT (an IPv6 address goes in brackets)",
                       "[::1]", example_port);
    }
    port = address.substr(colon + 1);
  }
  if (out.host.empty()) return malformed("has no host");
  if (port.empty()) {
    return Malformed(address, "has no port",
                     address.substr(0, address.size() - 1), example_port);
  }
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

namespace {

bool IsWildcardHost(absl::string_view host) {
  return host == "0.0.0.0" || host == "::" || host.empty();
}

// Whether listeners on `a` and `b` (same port) would take each other's
// place: the same host, a wildcard (which takes every address), or
// "localhost" and an address it resolves to.
bool HostsOverlap(absl::string_view a, absl::string_view b) {
  if (absl::EqualsIgnoreCase(a, b) || IsWildcardHost(a) || IsWildcardHost(b)) {
    return true;
  }
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    if (absl::EqualsIgnoreCase(x, "localhost") &&
        (y == "127.0.0.1" || y == "::1")) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status CheckDistinctListeners(const std::vector<Listener>& listeners) {
  std::vector<std::pair<const Listener*, HostPort>> parsed;
  for (const Listener& l : listeners) {
    if (l.address.empty()) continue;
    absl::StatusOr<HostPort> hp = ParseHostPort(l.address);
    if (!hp.ok() || hp->port == 0) continue;  // 0: each gets its own port.
    parsed.emplace_back(&l, *std::move(hp));
  }
  for (size_t i = 0; i < parsed.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const auto& [first, a] = parsed[j];
      const auto& [second, b] = parsed[i];
      if (a.port != b.port || !HostsOverlap(a.host, b.host)) continue;
      const std::string host = b.host.find(':') == std::string::npos
                                   ? b.host
                                   : absl::StrCat("[", b.host, "]");
      return absl::InvalidArgumentError(absl::StrCat(
          first->flag, " ", first->address, " and ", second->flag, " ",
          second->address,
          " are the same port: civhubd needs a port of its own for each "
          "listener; give ",
          second->flag, " another port, such as ", host, ":",
          second->default_port));
    }
  }
  return absl::OkStatus();
}

std::string OpenableAddress(absl::string_view bound, bool* all_interfaces) {
  *all_interfaces = false;
  absl::StatusOr<HostPort> hp = ParseHostPort(bound);
  if (!hp.ok() || !IsWildcardHost(hp->host)) return std::string(bound);
  *all_interfaces = true;
  return absl::StrCat(hp->host == "::" ? "[::1]" : "127.0.0.1", ":", hp->port);
}

}  // namespace civhub::server
