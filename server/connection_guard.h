// ConnectionGuard: civhubd's own accept loop in front of a gRPC server, so
// that what a connection may cost is decided before gRPC sees it.
//
// gRPC 1.51's listener stops accepting for good on the first EMFILE (one
// host holding ~1,000 idle connections stopped a hub until restart) and
// gives no say over who may connect. The guard listens itself, accepts on
// one thread, and hands each connection it keeps to the server through
// ServerBuilder's external connection acceptor (TLS, where the server has
// it, is still gRPC's). Before that it applies, per port:
//   - at most `per_client` connections from one client (federation::ClientKey:
//   an IPv4
//     address, an IPv6 /64), and `total` in all;
//   - at a limit, the client's (or, for `total`, anyone's) connection idle
//     longest (no byte received for at least `evict_idle_after`, by the
//     kernel's TCP_INFO) is closed to make room; at the total, if none is
//     that idle, the client holding the most connections gives up its
//     idlest one when it holds more than the newcomer; else the new
//     connection is refused (closed at once with a reset; the first refusal
//     logged, then a count once a minute);
//   - a client reported through federation::AbuseSink has its connections
//   closed and is
//     refused for `penalty` (doubling while it goes on, up to 16 ×).
// EMFILE and ENFILE never stop it: a reserved descriptor is given up to
// accept and close the waiting connection, and accepting resumes.
//
// Connections are handed over, so the guard learns that gRPC closed one
// only by looking: it keeps each one's descriptor and socket inode, and a
// descriptor that is closed or now names another file is gone (checked
// every second, and before any refusal).
#ifndef CIVHUB_SERVER_CONNECTION_GUARD_H_
#define CIVHUB_SERVER_CONNECTION_GUARD_H_

#include <grpcpp/server_builder.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "federation/grpc/client_address.h"

namespace civhub::server {

struct ConnectionLimits {
  int per_client = 32;
  int total = 4096;
  absl::Duration evict_idle_after = absl::Seconds(2);
  absl::Duration penalty = absl::Seconds(10);
};

struct ConnectionStats {
  int open = 0;         // Connections the guard counts as open.
  int clients = 0;      // Distinct clients among them.
  int limit_total = 0;  // ConnectionLimits::total in effect.
  int limit_per_client = 0;
  uint64_t accepted = 0;      // Handed to gRPC since start.
  uint64_t refused = 0;       // Closed at once (a limit, a penalty).
  uint64_t evicted = 0;       // Idle ones closed to make room.
  uint64_t fd_exhausted = 0;  // Accepts that met EMFILE/ENFILE.
  uint64_t abuse_reports = 0;
};

class ConnectionGuard : public federation::AbuseSink {
 public:
  // Binds and listens on `address` (HOST:PORT, as ParseHostPort takes it;
  // every address the host resolves to). Errors as CheckCanListen's, with
  // `flag` named in them. `name` ("directory", "federation") is for logs.
  static absl::StatusOr<std::unique_ptr<ConnectionGuard>> Listen(
      const std::string& address, const std::string& flag,
      const std::string& name, ConnectionLimits limits);
  ~ConnectionGuard() override;

  // The port bound (the one picked, if the address asked for port 0).
  int port() const { return port_; }

  // Starts accepting, handing connections to `acceptor` (from
  // ServerBuilder::experimental().AddExternalConnectionAcceptor, after the
  // server is built and started).
  void Start(
      std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor);
  // Stops accepting and closes the listening sockets; connections already
  // handed over stay the server's. Idempotent.
  void Stop();

  ConnectionStats stats() const;

  // federation::AbuseSink: closes every connection of `grpc_peer`'s client and
  // refuses its new ones for the penalty.
  void ReportAbuse(absl::string_view grpc_peer, absl::string_view why) override;

 private:
  struct Connection {
    int fd;
    ino_t inode;
    std::string client;
    absl::Time accepted;
    bool closing = false;  // shutdown() sent; gRPC closes it.
  };
  struct Penalty {
    absl::Time until;
    int strikes = 0;
    absl::Time last;
  };

  ConnectionGuard(std::string name, ConnectionLimits limits)
      : name_(std::move(name)), limits_(limits) {}

  void Loop();
  void AcceptReady(int listen_fd);
  void OnFdExhausted(int listen_fd);
  // Whether a new connection from `client` may be kept (evicting an idle
  // one to make room if need be).
  // nullptr if yes, else why not.
  const char* Admit(const std::string& client)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a refusal; logs the first at once, then a count once a minute.
  void NoteRefusal(const std::string& client, const char* why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LogRefusals(bool first) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One connection of `client` no longer counts.
  void Uncount(const std::string& client) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops connections gRPC has closed.
  void Reap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes the connection idle longest among those of `client` ("" for any),
  // if one has been idle for `min_idle`; false if none.
  bool EvictIdlest(const std::string& client, absl::Duration min_idle)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseConnection(Connection& c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  ConnectionLimits limits_;
  int port_ = 0;
  std::vector<int> listen_fds_;
  int wake_fd_ = -1;     // eventfd: Stop() wakes the loop.
  int reserve_fd_ = -1;  // Given up to accept-and-close under EMFILE.
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable absl::Mutex mu_;
  // By descriptor: a descriptor number handed out again means the old
  // connection is gone.
  std::map<int, Connection> connections_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> per_client_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Penalty> penalties_ ABSL_GUARDED_BY(mu_);
  ConnectionStats stats_ ABSL_GUARDED_BY(mu_);
  absl::Time last_reap_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t refused_since_log_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_refused_ ABSL_GUARDED_BY(mu_);
  absl::Time last_refusal_log_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Raises this process's open-file limit to its hard limit and returns the
// limit in effect. Logs a warning when it is low for a public hub.
int RaiseOpenFileLimit();

// How many connections the two public ports may hold in all, and how many
// table files LevelDB may keep open, under `open_file_limit`: what is left
// after the store's files and a margin for everything else.
struct DescriptorBudget {
  int connections = 0;
  int store_files = 0;
};
DescriptorBudget BudgetDescriptors(int open_file_limit);

// Shares `budget` connections among listeners that ask for `wanted[i]`
// each (their configured totals): all get what they ask when it fits;
// otherwise max-min fairly — a listener asking less than an equal share
// gets what it asks, and what it leaves is shared by the others. So a hub
// under a low open-file limit keeps every listener's configured total it
// can, and an admin who raises one total (and lowers another) moves
// descriptors between them. Each share is at least 1.
std::vector<int> ShareConnections(int budget, const std::vector<int>& wanted);

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_CONNECTION_GUARD_H_
