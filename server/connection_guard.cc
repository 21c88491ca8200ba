#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/listen_address.h"

namespace civhub::server {
namespace {

constexpr int kBacklog = 1024;
// Accepts per wake-up before the loop looks at its other work.
constexpr int kAcceptBurst = 256;
constexpr absl::Duration kReapInterval = absl::Seconds(1);
constexpr int kMaxPenaltyFactor = 16;

// "ipv4:1.2.3.4:5" / "ipv6:[::1]:5", as gRPC names peers.
std::string PeerString(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return absl::StrCat("ipv4:", host, ":", ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return absl::StrCat("ipv6:[", host, "]:", ntohs(in6->sin6_port));
  }
  return "unknown:";
}

// Closes with a reset: a refused connection leaves no TIME_WAIT here.
void Refuse(int fd) {
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  ::close(fd);
}

ino_t InodeOf(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return 0;
  return st.st_ino;
}

// Milliseconds since `fd` last received data (since it was accepted, if
// never); 0 if unknown.
uint32_t IdleMs(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_last_data_recv;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConnectionGuard>> ConnectionGuard::Listen(
    const std::string& address, const std::string& flag,
    const std::string& name, ConnectionLimits limits) {
  if (absl::Status st = CheckCanListen(address, flag); !st.ok()) return st;
  absl::StatusOr<HostPort> hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  std::unique_ptr<ConnectionGuard> guard(new ConnectionGuard(name, limits));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int port = hp->port;
  const std::string host = hp->host;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints,
                             &found);
      rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", address,
                                                   ": ", ::gai_strerror(rc),
                                                   " (", flag, ")"));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found,
                                                             &::freeaddrinfo);
  int first_errno = 0;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    // Port 0 picks a free port on the first address; the others take the
    // same one.
    sockaddr_storage addr{};
    std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port != 0) {
      if (addr.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
      } else if (addr.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port);
      }
    }
    int fd =
        ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      first_errno = first_errno ? first_errno : errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), ai->ai_addrlen) != 0 ||
        ::listen(fd, kBacklog) != 0) {
      first_errno = first_errno ? first_errno : errno;
      ::close(fd);
      continue;
    }
    if (port == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof(bound);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      port = bound.ss_family == AF_INET
                 ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                 : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
    guard->listen_fds_.push_back(fd);
  }
  if (guard->listen_fds_.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address,
                                               ": ", std::strerror(first_errno),
                                               " (", flag, ")"));
  }
  guard->port_ = port;
  guard->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  guard->reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (guard->wake_fd_ < 0) {
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  {
    absl::MutexLock lock(&guard->mu_);
    guard->stats_.limit_total = limits.total;
    guard->stats_.limit_per_client = limits.per_client;
  }
  return guard;
}

ConnectionGuard::~ConnectionGuard() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void ConnectionGuard::Start(
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor) {
  acceptor_ = std::move(acceptor);
  thread_ = std::thread([this] { Loop(); });
}

void ConnectionGuard::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : listen_fds_) ::close(fd);
  listen_fds_.clear();
}

ConnectionStats ConnectionGuard::stats() const {
  absl::MutexLock lock(&mu_);
  ConnectionStats s = stats_;
  s.open = open_;
  s.clients = static_cast<int>(per_client_.size());
  return s;
}

void ConnectionGuard::Loop() {
  std::vector<pollfd> fds;
  for (int fd : listen_fds_) fds.push_back({fd, POLLIN, 0});
  fds.push_back({wake_fd_, POLLIN, 0});
  // After EMFILE with no reserve to give up, wait before trying again.
  int backoff_ms = 0;
  while (!stopping_) {
    int n = ::poll(
        fds.data(), fds.size(),
        backoff_ms > 0 ? backoff_ms : absl::ToInt64Milliseconds(kReapInterval));
    backoff_ms = 0;
    if (stopping_) break;
    {
      absl::MutexLock lock(&mu_);
      if (absl::Now() - last_reap_ >= kReapInterval) {
        Reap();
        LogRefusals(/*first=*/false);
      }
    }
    if (n <= 0) continue;
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if (fds[i].revents & POLLIN) AcceptReady(fds[i].fd);
    }
    if (reserve_fd_ < 0) {
      reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (reserve_fd_ < 0) backoff_ms = 100;
    }
  }
}

void ConnectionGuard::AcceptReady(int listen_fd) {
  for (int i = 0; i < kAcceptBurst && !stopping_; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        OnFdExhausted(listen_fd);
        return;
      }
      spdlog::warn("{} port: accept failed: {}; still accepting", name_,
                   std::strerror(errno));
      return;
    }
    const std::string peer = PeerString(addr);
    const std::string client = federation::ClientKey(peer);
    bool keep;
    {
      absl::MutexLock lock(&mu_);
      const char* refused = Admit(client);
      keep = refused == nullptr;
      if (!keep) NoteRefusal(client, refused);
      if (keep) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        // A descriptor number seen before: that connection was closed.
        if (auto old = connections_.find(fd); old != connections_.end()) {
          if (!old->second.closing) Uncount(old->second.client);
          connections_.erase(old);
        }
        connections_[fd] = Connection{fd, InodeOf(fd), client, absl::Now()};
        ++per_client_[client];
        ++open_;
        ++stats_.accepted;
      } else {
        ++stats_.refused;
      }
    }
    if (!keep) {
      Refuse(fd);
      continue;
    }
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
    p.listener_fd = listen_fd;
    p.fd = fd;
    acceptor_->HandleNewConnection(&p);
  }
}

void ConnectionGuard::OnFdExhausted(int listen_fd) {
  {
    absl::MutexLock lock(&mu_);
    if (stats_.fd_exhausted++ == 0) {
      spdlog::error(
          "{} port: out of file descriptors ({}); refusing connections "
          "until some close (raise LimitNOFILE, or lower the connection "
          "limits)",
          name_, std::strerror(errno));
    }
    Reap();
  }
  // Give up the reserve to take the waiting connection off the queue and
  // close it, so the client learns at once instead of hanging.
  if (reserve_fd_ >= 0) {
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) Refuse(fd);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
}

const char* ConnectionGuard::Admit(const std::string& client) {
  const absl::Time now = absl::Now();
  if (auto p = penalties_.find(client); p != penalties_.end()) {
    if (now < p->second.until) return "cut off for abuse";
  }
  auto count = [&](const std::string& c) {
    auto it = per_client_.find(c);
    return it == per_client_.end() ? 0 : it->second;
  };
  if (count(client) >= limits_.per_client || open_ >= limits_.total) Reap();
  if (count(client) >= limits_.per_client &&
      !EvictIdlest(client, limits_.evict_idle_after)) {
    return "at its per-client limit";
  }
  if (open_ >= limits_.total && !EvictIdlest("", limits_.evict_idle_after)) {
    // Nothing idle: the client holding the most connections gives one up,
    // if it holds more than this one would; so many busy clients filling
    // the total cannot keep a new one out.
    std::string heaviest;
    int heaviest_count = 0;
    for (const auto& [c, n] : per_client_) {
      if (n > heaviest_count) {
        heaviest = c;
        heaviest_count = n;
      }
    }
    if (heaviest_count <= count(client) + 1 ||
        !EvictIdlest(heaviest, absl::ZeroDuration())) {
      return "the port is at its total limit";
    }
  }
  return nullptr;
}

void ConnectionGuard::NoteRefusal(const std::string& client, const char* why) {
  ++refused_since_log_;
  last_refused_ = absl::StrCat(client, " (", why, ")");
  LogRefusals(/*first=*/true);
}

void ConnectionGuard::LogRefusals(bool first) {
  const absl::Time now = absl::Now();
  if (refused_since_log_ == 0 || now - last_refusal_log_ < absl::Minutes(1)) {
    return;
  }
  if (first && refused_since_log_ == 1) {
    spdlog::warn(
        "{} port: refused a connection from {}; further refusals are "
        "counted (civhubctl status) and logged once a minute",
        name_, last_refused_);
  } else {
    spdlog::warn(
        "{} port: refused {} connections in the last minute, the "
        "last from {}",
        name_, refused_since_log_, last_refused_);
  }
  refused_since_log_ = 0;
  last_refusal_log_ = now;
}

void ConnectionGuard::Reap() {
  last_reap_ = absl::Now();
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (InodeOf(it->first) == it->second.inode) {
      ++it;
      continue;
    }
    if (!it->second.closing) Uncount(it->second.client);
    it = connections_.erase(it);
  }
  for (auto it = penalties_.begin(); it != penalties_.end();) {
    // Forgotten a minute after the last one ended.
    it = it->second.until + absl::Minutes(1) < last_reap_ ? penalties_.erase(it)
                                                          : std::next(it);
  }
}

bool ConnectionGuard::EvictIdlest(const std::string& client,
                                  absl::Duration min_idle) {
  Connection* idlest = nullptr;
  uint32_t idlest_ms = 0;
  const auto min_ms =
      static_cast<uint32_t>(absl::ToInt64Milliseconds(min_idle));
  for (auto& [fd, c] : connections_) {
    if (c.closing || (!client.empty() && c.client != client)) continue;
    uint32_t ms = IdleMs(fd);
    if (ms >= min_ms && ms >= idlest_ms) {
      idlest = &c;
      idlest_ms = ms;
    }
  }
  if (idlest == nullptr) return false;
  CloseConnection(*idlest);
  ++stats_.evicted;
  return true;
}

void ConnectionGuard::CloseConnection(Connection& c) {
  if (c.closing) return;
  // gRPC owns the descriptor: shut the socket down and let gRPC close it.
  // Checked again just before, so a number gRPC already closed and the
  // process reused is left alone.
  if (InodeOf(c.fd) == c.inode) ::shutdown(c.fd, SHUT_RDWR);
  c.closing = true;
  Uncount(c.client);
}

void ConnectionGuard::Uncount(const std::string& client) {
  --open_;
  if (auto it = per_client_.find(client);
      it != per_client_.end() && --it->second <= 0) {
    per_client_.erase(it);
  }
}

void ConnectionGuard::ReportAbuse(absl::string_view grpc_peer,
                                  absl::string_view why) {
  const std::string client = federation::ClientKey(grpc_peer);
  if (client.empty()) return;  // The local admin socket.
  absl::MutexLock lock(&mu_);
  ++stats_.abuse_reports;
  const absl::Time now = absl::Now();
  Penalty& p = penalties_[client];
  if (now < p.until) return;  // Already serving one.
  // Again within a minute of the last: twice as long, up to 16 ×.
  p.strikes = (p.last + absl::Minutes(1) > now)
                  ? std::min(p.strikes * 2, kMaxPenaltyFactor)
                  : 1;
  p.last = now;
  p.until = now + limits_.penalty * std::max(p.strikes, 1);
  int closed = 0;
  for (auto& [fd, c] : connections_) {
    if (c.client == client && !c.closing) {
      CloseConnection(c);
      ++closed;
    }
  }
  spdlog::warn(
      "{} port: {} {}; closed its {} connection(s), refusing it for {}", name_,
      client, std::string(why), closed, absl::FormatDuration(p.until - now));
}

int RaiseOpenFileLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  const int limit =
      rl.rlim_cur > (1 << 20) ? (1 << 20) : static_cast<int>(rl.rlim_cur);
  if (limit < 4096) {
    spdlog::warn(
        "the open-file limit is {}: this hub can hold about {} client "
        "connections; raise it (LimitNOFILE= in the unit file, ulimit -n)",
        limit, BudgetDescriptors(limit).connections);
  }
  return limit;
}

DescriptorBudget BudgetDescriptors(int open_file_limit) {
  DescriptorBudget b;
  b.store_files = std::clamp(open_file_limit / 4, 64, 1000);
  // Outgoing federation connections, the admin socket, LevelDB's log and
  // lock files, gRPC's own descriptors.
  constexpr int kMargin = 256;
  b.connections = std::max(64, open_file_limit - b.store_files - kMargin);
  return b;
}

std::vector<int> ShareConnections(int budget, const std::vector<int>& wanted) {
  std::vector<int> share(wanted.size(), 0);
  std::vector<size_t> order(wanted.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Smallest demands first: each takes min(its demand, an equal share of
  // what is left), so what a small one leaves goes to the larger ones.
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return wanted[a] < wanted[b]; });
  int left = std::max(0, budget);
  for (size_t k = 0; k < order.size(); ++k) {
    const int equal = left / static_cast<int>(order.size() - k);
    const int take = std::max(1, std::min(wanted[order[k]], equal));
    share[order[k]] = take;
    left = std::max(0, left - take);
  }
  return share;
}

}  // namespace civhub::server
