#include "node/server/hub_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/key_file.h"

namespace civhub::server {
namespace {

// Requests to the public port are small; anything larger is refused with
// RESOURCE_EXHAUSTED before it reaches a handler.
constexpr int kMaxPublicRequestBytes = 64 * 1024;
constexpr int kMaxResponseBytes = 32 << 20;
// Imports carry up to kMaxImportBatch records of at most 64 KiB.
constexpr int kMaxAdminRequestBytes = 40 << 20;
// sockaddr_un.sun_path is 108 bytes including the NUL.
constexpr size_t kMaxSocketPath = 107;

absl::Status MakeDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data dir ", dir, ": ", ec.message()));
  }
  // The data dir holds the key and the admin socket: owner only.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot set mode 0700 on data dir ", dir, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<HubServer> s(new HubServer());
  std::error_code ec;
  if (absl::Status st = MakeDataDir(options.data_dir); !st.ok()) return st;
  s->data_dir_ =
      std::filesystem::absolute(options.data_dir, ec).lexically_normal();
  if (!s->data_dir_.empty() && s->data_dir_.back() == '/')
    s->data_dir_.pop_back();

  // The store first: its lock keeps a second civhubd off this data dir
  // before anything else (like the admin socket) is touched.
  node::StoreOptions store_options;
  store_options.path = s->data_dir_ + "/store";
  absl::StatusOr<std::unique_ptr<node::Store>> store =
      node::Store::Open(store_options);
  if (!store.ok()) {
    if (absl::StrContains(store.status().message(), "lock")) {
      return absl::FailedPreconditionError(
          absl::StrCat("another civhubd is already using ", s->data_dir_,
                       " (stop it first, or pass a different --data-dir)"));
    }
    return store.status();
  }
  s->store_ = *std::move(store);

  absl::StatusOr<crypto::LoadedKey> key =
      crypto::LoadOrCreateKeyFile(s->data_dir_ + "/hub.key");
  if (!key.ok()) return key.status();
  s->key_created_ = key->created;
  s->hub_ = std::make_unique<node::Hub>(std::move(key->key), s->store_.get(),
                                        node::SystemClock());

  s->admin_socket_ = s->data_dir_ + "/admin.sock";
  if (s->admin_socket_.size() > kMaxSocketPath) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin socket path ", s->admin_socket_, " is longer than ",
                     kMaxSocketPath, " bytes; use a shorter --data-dir"));
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  // Public server.
  s->public_directory_ = std::make_unique<DirectoryService>(s->hub_.get());
  {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(s->public_directory_.get());
    builder.SetMaxReceiveMessageSize(kMaxPublicRequestBytes);
    builder.SetMaxSendMessageSize(kMaxResponseBytes);
    s->public_server_ = builder.BuildAndStart();
    if (s->public_server_ == nullptr || port == 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options.listen,
          " (is another civhubd running there? pick another with --listen)"));
    }
    std::string host = options.listen.substr(0, options.listen.rfind(':'));
    s->public_address_ = absl::StrCat(host, ":", port);
  }

  // Admin server on the unix socket. A socket file left by a crashed run is
  // safe to replace: the store lock proved no other civhubd owns this dir.
  ::unlink(s->admin_socket_.c_str());
  AdminInfo info{s->data_dir_, store_options.path, s->public_address_,
                 node::SystemClock()->Now()};
  s->admin_ = std::make_unique<AdminService>(s->hub_.get(), std::move(info));
  s->admin_directory_ = std::make_unique<DirectoryService>(s->hub_.get());
  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + s->admin_socket_,
                             grpc::InsecureServerCredentials());
    builder.RegisterService(s->admin_.get());
    builder.RegisterService(s->admin_directory_.get());
    builder.SetMaxReceiveMessageSize(kMaxAdminRequestBytes);
    builder.SetMaxSendMessageSize(kMaxResponseBytes);
    // Created owner-only from the start, so no other user can connect in
    // the moment before chmod.
    mode_t old_umask = ::umask(0077);
    s->admin_server_ = builder.BuildAndStart();
    ::umask(old_umask);
    if (s->admin_server_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot create admin socket ", s->admin_socket_));
    }
    if (::chmod(s->admin_socket_.c_str(), 0600) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot set mode 0600 on ", s->admin_socket_, ": ",
                       std::strerror(errno)));
    }
  }
  spdlog::info("hub {} serving directory on {}, admin on unix:{}",
               s->hub_->id().HubId(), s->public_address_, s->admin_socket_);
  return s;
}

void HubServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (DirectoryService* d :
       {public_directory_.get(), admin_directory_.get()}) {
    if (d != nullptr) d->StopWatches();
  }
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(2);
  if (public_server_) public_server_->Shutdown(deadline);
  if (admin_server_) admin_server_->Shutdown(deadline);
  if (admin_server_) {
    ::unlink(admin_socket_.c_str());
    spdlog::info("hub stopped");
  }
}

HubServer::~HubServer() { Shutdown(); }

}  // namespace civhub::server
