// A running hub: data dir, key, store, and the two gRPC servers.
//  - public: Directory + health + reflection on a TCP address (read-only);
//  - admin: Admin + Directory + health on the unix socket
//    <data_dir>/admin.sock, mode 0600, never on TCP.
#ifndef CIVHUB_NODE_SERVER_HUB_SERVER_H_
#define CIVHUB_NODE_SERVER_HUB_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/hub.h"
#include "node/server/admin_service.h"
#include "node/server/directory_service.h"
#include "node/store.h"

namespace civhub::server {

struct ServerOptions {
  std::string data_dir = "./var/hub";
  // Public Directory address; port 0 picks a free port.
  std::string listen = "127.0.0.1:7340";
};

class HubServer {
 public:
  // Opens or creates the data dir, the key and the store, and starts both
  // servers. FAILED_PRECONDITION / UNAVAILABLE with an actionable message
  // if the key is unsafe, the store is locked by another civhubd, or an
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(
      const ServerOptions& options);

  ~HubServer();

  // Stops accepting calls and ends running ones (Watch streams included).
  // Idempotent.
  void Shutdown();

  const node::Hub& hub() const { return *hub_; }
  bool key_created() const { return key_created_; }
  // The public address actually bound, e.g. "127.0.0.1:7340".
  const std::string& public_address() const { return public_address_; }
  const std::string& admin_socket() const { return admin_socket_; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  HubServer() = default;

  std::string data_dir_;
  std::string public_address_;
  std::string admin_socket_;
  bool key_created_ = false;

  std::unique_ptr<node::Store> store_;
  std::unique_ptr<node::Hub> hub_;
  std::unique_ptr<DirectoryService> public_directory_;
  std::unique_ptr<DirectoryService> admin_directory_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> public_server_;
  std::unique_ptr<grpc::Server> admin_server_;
  bool shut_down_ = false;
};

}  // namespace civhub::server

#endif  // CIVHUB_NODE_SERVER_HUB_SERVER_H_
