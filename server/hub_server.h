// A running hub: data dir, key, store, and the two gRPC servers.
//  - public: Directory + health + reflection on a TCP address (read-only);
//  - admin: Admin + Directory + health on the unix socket
//    <data_dir>/admin.sock, mode 0600, never on TCP;
//  - federation: Federation on --peer-listen, mutual TLS with the hub key.
#ifndef CIVHUB_SERVER_HUB_SERVER_H_
#define CIVHUB_SERVER_HUB_SERVER_H_

#include <grpcpp/server.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "federation/federation.h"
#include "federation/grpc/federation_service.h"
#include "federation/grpc/grpc_transport.h"
#include "federation/thread_scheduler.h"
#include "federation/trust.h"
#include "gateway/gateway.h"
#include "hubnode/hub_node.h"
#include "node/hub.h"
#include "node/storage/store.h"
#include "server/admin_service.h"
#include "server/connection_guard.h"
#include "server/directory_service.h"
#include "server/merge_schedule.h"
#include "server/peer_metrics.h"
#include "server/server_metrics.h"

namespace civhub::server {

struct ServerOptions {
  std::string data_dir = "./var/hub";
  // Public Directory address; port 0 picks a free port.
  std::string listen = "127.0.0.1:7340";
  // Certificate chain and key (PEM files) for TLS on the public listener;
  // both empty: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Federation (mutual TLS) address; port 0 picks a free port.
  std::string peer_listen = "127.0.0.1:7341";
  // host:port other hubs should dial; empty: the bound peer address.
  std::string advertise;
  // This hub's profile. A field not given (nullopt) keeps what the hub
  // published last, so a restart without --name never changes the
  // profile; a hub that never published one is "civhub on <hostname>",
  // with no region and no contact. A given field that differs is
  // republished.
  std::optional<std::string> name;
  std::optional<std::string> region;
  std::optional<std::string> contact;
  absl::Duration sync_interval = absl::Seconds(5);
  // Connections per client (an IPv4 address, an IPv6 /64) and in all on
  // the public and the federation port (ConnectionGuard); each total is
  // lowered to fit the open-file limit (BudgetDescriptors).
  ConnectionLimits public_connections{/*per_client=*/32, /*total=*/10000};
  ConnectionLimits federation_connections{/*per_client=*/8, /*total=*/1000};
  // What each client of the public Directory may hold (the admin socket's
  // Directory is not limited).
  DirectoryLimits directory_limits;
  // The HTTP gateway (JSON API, web directory, metrics): its address
  // (`gateway.http.listen`, default 127.0.0.1:7342; empty: no HTTP), TLS
  // files and limits (its connection total is lowered to fit the open-file
  // limit too; the port and the TLS files are checked before anything
  // starts).
  gateway::GatewayOptions gateway;
};

class HubServer {
 public:
  // Opens or creates the data dir, the key and the store, and starts the
  // servers. INVALID_ARGUMENT naming the flag for an address that is not
  // HOST:PORT (port 0–65535) or a host that is not this machine's;
  // FAILED_PRECONDITION / UNAVAILABLE with an actionable message if the key
  // is unsafe, the store is locked by another civhubd, or a port is in use
  // ("cannot listen on 127.0.0.1:7340: address already in use (is another
  // civhubd running?) …"). Ports are never shared: gRPC's SO_REUSEPORT is
  // off on every listener.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(
      const ServerOptions& options);

  ~HubServer();

  // Stops accepting calls and ends running ones (Watch streams included).
  // Idempotent.
  void Shutdown();

  const node::Hub& hub() const { return *node_->hub(); }
  bool key_created() const { return key_created_; }
  // The public address actually bound, e.g. "127.0.0.1:7340".
  const std::string& public_address() const { return public_address_; }
  const std::string& admin_socket() const { return admin_socket_; }
  const std::string& federation_address() const { return federation_address_; }
  // The HTTP address bound ("127.0.0.1:7342"); empty if HTTP is off.
  const std::string& http_address() const { return http_address_; }
  // The --metrics-listen address bound; empty if there is none.
  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& data_dir() const { return data_dir_; }
  ConnectionStats public_connections() const { return public_guard_->stats(); }
  ConnectionStats federation_connections() const {
    return federation_guard_->stats();
  }

 private:
  HubServer() = default;
  // Every 2 s until Shutdown: gives memory the allocator holds unused back,
  // and merges small posting blocks (MergePostings).
  void Housekeep();
  // Runs Store::MergePostingBlocks steps for at most 100 ms when
  // merge_schedule_ says so: after each whole pass over the posting lists
  // it rests 5 minutes, or until 10,000 more changes were applied (a
  // bootstrap, an import), and it waits while the store is written in
  // bulk.
  void MergePostings() ABSL_EXCLUSIVE_LOCKS_REQUIRED(housekeeper_mu_);

  std::string data_dir_;
  std::string public_address_;
  std::string admin_socket_;
  std::string federation_address_;
  std::string http_address_;
  std::string metrics_address_;
  bool key_created_ = false;
  const absl::Time started_at_ = absl::Now();

  // Declared in construction order; Shutdown() stops them in reverse.
  // The store, key, hub and (once built) federation.
  std::unique_ptr<hubnode::HubNode> node_;
  // Before the services: the public one reports abusers to its guard.
  std::unique_ptr<ConnectionGuard> public_guard_;
  std::unique_ptr<ConnectionGuard> federation_guard_;
  std::unique_ptr<federation::ThreadScheduler> scheduler_;
  std::unique_ptr<federation::GrpcTransport> transport_;
  // Around transport_: counts the calls to each peer for /metrics.
  std::unique_ptr<CountingTransport> counting_transport_;
  std::unique_ptr<federation::FederationService> federation_service_;
  std::unique_ptr<grpc::Server> federation_server_;
  std::unique_ptr<DirectoryService> public_directory_;
  std::unique_ptr<DirectoryService> admin_directory_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> public_server_;
  std::unique_ptr<grpc::Server> admin_server_;
  // Started last; /readyz answers ready once every listener is up.
  std::atomic<bool> listeners_up_{false};
  // What /metrics reads at each scrape; outlives the gateway.
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::thread housekeeper_;
  absl::Mutex housekeeper_mu_;
  bool stopping_ ABSL_GUARDED_BY(housekeeper_mu_) = false;
  // Set first on shutdown: a posting compaction, which runs outside
  // housekeeper_mu_, stops at its next piece.
  std::atomic<bool> compaction_stop_{false};
  MergeSchedule merge_schedule_ ABSL_GUARDED_BY(housekeeper_mu_);
  uint64_t merge_removed_in_pass_ ABSL_GUARDED_BY(housekeeper_mu_) = 0;
  bool shut_down_ = false;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_HUB_SERVER_H_
