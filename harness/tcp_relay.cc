#include "harness/tcp_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace civhub::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

TcpRelay::TcpRelay(int port, int target, std::string source)
    : target_(target), source_(std::move(source)) {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(port);
  socklen_t len = sizeof(addr);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener_, 64) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(listener_);
    listener_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
  accepter_ = std::thread([this] { Accept(); });
}

TcpRelay::~TcpRelay() {
  stopping_ = true;
  if (listener_ >= 0) {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
  }
  if (accepter_.joinable()) accepter_.join();
  std::vector<std::thread> pumps;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_) shutdown(fd, SHUT_RDWR);
    pumps.swap(pumps_);
  }
  for (std::thread& t : pumps) t.join();
  for (int fd : open_) close(fd);
}

void TcpRelay::Cut() {
  cut_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : open_) shutdown(fd, SHUT_RDWR);
}

void TcpRelay::Heal() { cut_ = false; }

void TcpRelay::Accept() {
  while (!stopping_) {
    int client = accept(listener_, nullptr, nullptr);
    if (client < 0) return;  // The listener was shut down.
    ++accepted_;
    if (cut_) {
      close(client);  // Partitioned: the dialer sees the connection drop.
      continue;
    }
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (!source_.empty()) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, source_.c_str(), &from.sin_addr);
      (void)bind(server, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    }
    sockaddr_in addr = Loopback(target_);
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
        0) {
      close(client);
      close(server);
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    open_.push_back(client);
    open_.push_back(server);
    pumps_.emplace_back([this, client, server] { Pump(client, server, &up_); });
    pumps_.emplace_back(
        [this, client, server] { Pump(server, client, &down_); });
  }
}

void TcpRelay::Pump(int from, int to, std::atomic<uint64_t>* count) {
  char buf[64 << 10];
  for (;;) {
    ssize_t n = read(from, buf, sizeof(buf));
    if (n <= 0 || cut_) break;
    *count += static_cast<uint64_t>(n);
    for (ssize_t off = 0; off < n;) {
      // send, not write: a socket Cut() shut down, or whose peer left,
      // fails with EPIPE instead of killing the process with SIGPIPE.
      ssize_t w =
          send(to, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
      if (w <= 0) {
        shutdown(from, SHUT_RDWR);
        return;
      }
      off += w;
    }
  }
  // Either side ending (or a cut) ends both directions.
  shutdown(to, SHUT_RDWR);
  shutdown(from, SHUT_RDWR);
}

}  // namespace civhub::testing
