// A TCP relay on loopback: listens on a port and forwards each connection
// to a target port, counting the bytes each way. Cut() drops every
// connection and refuses new ones (a partition); Heal() accepts again.
// Used by civhub-bench (bytes of a bootstrap) and tests/e2e (partitions
// between real processes).
#ifndef CIVHUB_HARNESS_TCP_RELAY_H_
#define CIVHUB_HARNESS_TCP_RELAY_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace civhub::testing {

class TcpRelay {
 public:
  // `port` 0: any free port (see port()). `source`, if set, is the loopback
  // address the relay dials the target from (e.g. "127.0.0.2": Linux routes
  // all of 127/8 on lo), so the target sees another client host than the
  // dialer's 127.0.0.1.
  TcpRelay(int port, int target, std::string source = "");
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  bool ok() const { return listener_ >= 0; }
  int port() const { return port_; }
  // Bytes from the dialing side, and back to it.
  uint64_t up() const { return up_; }
  uint64_t down() const { return down_; }
  // Connections accepted so far (each dial of the relay's port).
  uint64_t accepted() const { return accepted_; }

  void Cut();
  void Heal();

 private:
  void Accept();
  void Pump(int from, int to, std::atomic<uint64_t>* count);

  const int target_;
  const std::string source_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> cut_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> up_{0}, down_{0}, accepted_{0};
  std::mutex mu_;
  std::vector<int> open_;  // Guarded by mu_: sockets of live connections.
  std::vector<std::thread> pumps_;  // Guarded by mu_.
  std::thread accepter_;
};

}  // namespace civhub::testing

#endif  // CIVHUB_HARNESS_TCP_RELAY_H_
