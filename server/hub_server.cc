#include "server/hub_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/records/text.h"
#include "node/records/validate.h"
#include "server/grpc_metrics.h"
#include "server/listen_address.h"
#include "server/process_memory.h"
#include "server/reflection_guard.h"
#include "server/request_errors.h"

namespace civhub::server {
namespace {

// Requests to the public port are small; anything larger is refused with
// RESOURCE_EXHAUSTED before it reaches a handler.
constexpr int kMaxPublicRequestBytes = 64 * 1024;
constexpr int kMaxResponseBytes = 32 << 20;
// Imports carry up to kMaxImportBatch records of at most 64 KiB.
constexpr int kMaxAdminRequestBytes = 40 << 20;
// A Sync reply holds up to 4 MiB of records; what the port takes in is
// bounded by federation::kMaxInboundMessageBytes (a full Push: 4.0 MiB).
constexpr int kMaxFederationMessageBytes = 16 << 20;
// sockaddr_un.sun_path is 108 bytes including the NUL.
constexpr size_t kMaxSocketPath = 107;
constexpr int kFederationThreads = 4;
// HTTP/2 streams at once on one connection. A hub's calls to a peer are a
// Sync, a Push, an Announce and a Fetch at most.
constexpr int kFederationStreams = 8;
// Above what the Directory admits from one client (calls, Watch streams,
// reflection streams), so a client over those gets their clear
// RESOURCE_EXHAUSTED rather than calls queued in its own channel.
constexpr int kPublicStreams = 100;
constexpr int kFederationServerThreads = 64;

// "host:port" of a listener on `address` that bound `port`.
std::string BoundAddress(const std::string& address, int port) {
  return absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
}
// Threads for the public server's synchronous services (reflection; the
// Directory is on the callback API and uses none of them): a bound however
// many streams clients open. Beyond it a call gets RESOURCE_EXHAUSTED.
constexpr int kMaxPublicSyncThreads = 32;

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

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", what, " ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Plaintext, or TLS with the operator's certificate (no client certificates).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> PublicCredentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  absl::StatusOr<std::string> cert =
      ReadFile(options.tls_cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options.tls_key_file, "TLS key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

// Every server answers a request that does not parse with INVALID_ARGUMENT
// naming the method (and the field, where protobuf says which), and counts
// its calls as `server` (grpc_metrics.h), last, to see the status sent.
// `more`: the server's other interceptors.
void AddRequestErrorInterceptor(
    grpc::ServerBuilder& builder, const char* server,
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
        more = nullptr) {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      creators;
  creators.push_back(std::make_unique<RequestParseErrorInterceptorFactory>());
  if (more != nullptr) creators.push_back(std::move(more));
  creators.push_back(NewMetricsInterceptor(server));
  builder.experimental().SetInterceptorCreators(std::move(creators));
}

// What every TCP server of the hub allows one connection (docs/operations.md
// "Limits"): streams at once, how long the TLS handshake and the HTTP/2
// preface may take, how long a connection may idle with no call, and its
// age, after which the client is asked to reconnect (it resumes: Watch
// from its cursor).
struct ConnectionRules {
  int max_streams;
  int handshake_ms = 10'000;
  int idle_ms = 5 * 60'000;
  int max_age_ms = 2 * 3600'000;
  int age_grace_ms = 5 * 60'000;
};

void ApplyConnectionRules(grpc::ServerBuilder& builder,
                          const ConnectionRules& rules) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             rules.max_streams);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             rules.handshake_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, rules.idle_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, rules.max_age_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             rules.age_grace_ms);
}

// Starts `builder`'s server behind `guard`, which accepts its connections.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartGuarded(
    grpc::ServerBuilder& builder, ConnectionGuard& guard,
    std::shared_ptr<grpc::ServerCredentials> credentials,
    const std::string& address) {
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor =
      builder.experimental().AddExternalConnectionAcceptor(
          grpc::ServerBuilder::experimental_type::ExternalConnectionType::
              FROM_FD,
          std::move(credentials));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot start the server on ", address));
  }
  guard.Start(std::move(acceptor));
  return server;
}

// Returns memory the allocator holds but nothing uses to the system (after
// a burst of large requests glibc keeps its arenas grown), and keeps large
// blocks mapped on their own so that freeing them returns them at once.
constexpr size_t kTrimAboveBytes = 16 << 20;

// Where the profile settings (name, region, contact) are kept in the store.
// A hub publishes its "~hub" record only once it holds records of its own,
// so the record alone would not remember the flags of a hub still empty.
constexpr char kProfileAuxKey[] = "server/profile";

// The profile to publish: each field given in `options`, else the one kept
// from the last start, else the one this hub published (its "~hub" record;
// for a data dir older than kProfileAuxKey), else the default. Keeps the
// result for the next start. Hub::PublishSystem republishes only a profile
// that differs.
absl::StatusOr<v1::HubProfile> ResolveProfile(const ServerOptions& options,
                                              node::Store& store,
                                              const std::string& self) {
  v1::HubProfile profile;
  // Nothing to keep yet: a hub whose store was lost may be about to get its
  // old profile back (import, or a peer), which the next start then keeps.
  bool only_default = !options.name && !options.region && !options.contact;
  absl::StatusOr<std::optional<std::string>> kept =
      store.GetAux(kProfileAuxKey);
  if (!kept.ok()) return kept.status();
  if (kept->has_value()) {
    only_default = false;
    if (!profile.ParseFromString(**kept)) {
      return absl::DataLossError(
          absl::StrCat("the hub profile kept in the store (", kProfileAuxKey,
                       ") is corrupt; start once with --name, --region and "
                       "--contact"));
    }
  } else {
    absl::StatusOr<std::optional<node::StoredView>> published =
        store.Get(self, node::kHubProfileRecordId);
    if (!published.ok()) return published.status();
    if (published->has_value() && (*published)->body.has_hub_profile()) {
      profile = (*published)->body.hub_profile();
      only_default = false;
    }
  }
  profile.clear_federation_address();  // Set from the bound address.
  if (options.name) profile.set_name(*options.name);
  if (options.region) profile.set_region(*options.region);
  if (options.contact) profile.set_contact(*options.contact);
  // An empty --name means the default, as it always did.
  if (profile.name().empty()) {
    char host[256] = "localhost";
    ::gethostname(host, sizeof(host) - 1);
    profile.set_name(absl::StrCat("civhub on ", host));
  }
  if (absl::Status st = node::ValidateHubProfile(profile); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hub profile (--name, --region, --contact): ", st.message()));
  }
  if (!only_default &&
      (!kept->has_value() || **kept != profile.SerializeAsString())) {
    if (absl::Status st =
            store.PutAux(kProfileAuxKey, profile.SerializeAsString(),
                         /*sync=*/true);
        !st.ok()) {
      return st;
    }
  }
  return profile;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<HubServer> s(new HubServer());
  std::error_code ec;
  // Addresses are checked before anything is created: each alone, then
  // the listeners together (two of them on one port would otherwise fail
  // as if another civhubd held it).
  const std::vector<Listener> listeners = {
      {"--listen", options.listen, kDefaultListenPort},
      {"--peer-listen", options.peer_listen, kDefaultPeerListenPort},
      {"--http-listen", options.gateway.http.listen, kDefaultHttpListenPort},
      {"--metrics-listen", options.gateway.metrics_listen,
       kDefaultMetricsListenPort},
  };
  for (const Listener& l : listeners) {
    if (l.address.empty()) continue;  // HTTP off, or no metrics listener.
    if (auto hp =
            ParseHostPort(l.address, /*allow_port_zero=*/true, l.default_port);
        !hp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(l.flag, ": ", hp.status().message()));
    }
  }
  if (absl::Status st = CheckDistinctListeners(listeners); !st.ok()) return st;
  if (!options.advertise.empty()) {
    if (auto hp = ParseHostPort(options.advertise, /*allow_port_zero=*/false,
                                kDefaultPeerListenPort);
        !hp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--advertise: ", hp.status().message()));
    }
  }
  if (absl::Status st = MakeDataDir(options.data_dir); !st.ok()) return st;
  s->data_dir_ =
      std::filesystem::absolute(options.data_dir, ec).lexically_normal();
  if (!s->data_dir_.empty() && s->data_dir_.back() == '/')
    s->data_dir_.pop_back();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> public_credentials =
      PublicCredentials(options);
  if (!public_credentials.ok()) return public_credentials.status();
  const bool http_on = !options.gateway.http.listen.empty();
  if (http_on) {
    if (absl::Status st = http::HttpServer::CheckTls(options.gateway.http);
        !st.ok()) {
      return st;
    }
  }

  // The store first, then the key (HubNode::Open): the store's lock keeps a
  // second civhubd off this data dir before anything else (like the key or
  // the admin socket) is touched.
  const DescriptorBudget budget = BudgetDescriptors(RaiseOpenFileLimit());
  hubnode::HubNodeOptions node_options;
  node_options.store.path = s->data_dir_ + "/store";
  node_options.store.max_open_files = budget.store_files;
  node_options.key_file = s->data_dir_ + "/hub.key";
  const std::string store_path = node_options.store.path;
  absl::StatusOr<std::unique_ptr<hubnode::HubNode>> node =
      hubnode::HubNode::Open(std::move(node_options));
  if (!node.ok()) {
    if (node::IsStoreLocked(node.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("another civhubd is already using ", s->data_dir_,
                       " (stop it first, or pass a different --data-dir)"));
    }
    return node.status();
  }
  s->node_ = *std::move(node);
  node::Store* store = s->node_->store();
  // Logged once; each write refused after it only at debug level.
  store->SetFailureObserver([](const node::StoreFailure& failure) {
    spdlog::error("{} ({}); reads are still served",
                  std::string(node::StoreReadOnlyError(failure).message()),
                  failure.detail);
  });
  // A new, empty store is "rebuilt" too (it has no index versions yet);
  // there was nothing to rebuild, so nothing is said.
  if (store->postings_relaid() && store->text_reindexed() > 0) {
    spdlog::info(
        "rebuilt the index of {} records in blocks of postings: the store "
        "held one key per posting",
        store->text_reindexed());
  } else if (store->text_reindexed() > 0) {
    spdlog::info(
        "rebuilt the text index of {} records: the store was written under "
        "older word rules (text index version {} now)",
        store->text_reindexed(), node::kTextIndexVersion);
  }
  if (store->filter_reindexed() > 0) {
    spdlog::info(
        "rebuilt the filter index of {} records: the store was written "
        "before HSDS id postings or under older rules (filter index version "
        "{} now)",
        store->filter_reindexed(), node::kFilterIndexVersion);
  }
  s->key_created_ = s->node_->key_created();
  const crypto::PrivateKey& hub_key = s->node_->key();
  // Both ports, before federation starts (it may publish the profile): a
  // civhubd that cannot serve changes nothing. Every listener that cannot
  // be had is named, the Directory's first, HTTP's last (it binds when the
  // gateway starts; checked here so a taken port changes nothing). Their
  // totals share what the open-file limit leaves for connections
  // (ShareConnections: each keeps its configured total when they fit).
  std::vector<std::string> cannot_listen;
  gateway::GatewayOptions gateway_options = options.gateway;
  {
    ConnectionLimits public_limits = options.public_connections;
    ConnectionLimits federation_limits = options.federation_connections;
    int& http_total = gateway_options.http.limits.max_connections;
    std::vector<int> wanted = {public_limits.total, federation_limits.total};
    if (http_on) wanted.push_back(http_total);
    const std::vector<int> share = ShareConnections(budget.connections, wanted);
    public_limits.total = share[0];
    federation_limits.total = share[1];
    if (http_on) http_total = share[2];
    if (share != wanted) {
      // Information, not a warning: at the defaults, a 20,000-file limit
      // already shares (RaiseOpenFileLimit warns when the limit is low).
      spdlog::info(
          "the open-file limit leaves {} connections: the directory port may "
          "hold {} (of --max-connections {}), the federation port {} (of "
          "--peer-max-connections {}){}; raise the limit (LimitNOFILE= in "
          "the unit file, ulimit -n) or lower one of these to give another "
          "more",
          budget.connections, share[0], wanted[0], share[1], wanted[1],
          http_on ? absl::StrCat(", HTTP ", share[2],
                                 " (of --http-max-connections ", wanted[2], ")")
                  : "");
    }
    auto pub = ConnectionGuard::Listen(options.listen, "--listen", "directory",
                                       public_limits);
    auto fed = ConnectionGuard::Listen(options.peer_listen, "--peer-listen",
                                       "federation", federation_limits);
    for (auto* guard : {&pub, &fed}) {
      if (!guard->ok()) cannot_listen.emplace_back(guard->status().message());
    }
    if (http_on) {
      if (absl::Status st =
              CheckCanListen(options.gateway.http.listen, "--http-listen");
          !st.ok()) {
        cannot_listen.emplace_back(st.message());
      }
    }
    if (!cannot_listen.empty()) {
      return absl::UnavailableError(
          absl::StrJoin(cannot_listen, "\ncivhubd: "));
    }
    s->public_guard_ = *std::move(pub);
    s->federation_guard_ = *std::move(fed);
  }

  // Federation: the hub's certificate, the transport, and the logic.
  federation::FederationOptions fed_options;
  fed_options.sync_interval = options.sync_interval;
  v1::HubProfile& profile = fed_options.profile;
  absl::StatusOr<v1::HubProfile> resolved =
      ResolveProfile(options, *store, hub_key.public_key().bytes());
  if (!resolved.ok()) return resolved.status();
  profile = *std::move(resolved);
  if (absl::Status st = node::ValidateHubProfile(profile); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hub profile (--name, --region, --contact): ", st.message()));
  }
  absl::StatusOr<federation::TlsIdentity> identity =
      federation::MakeTlsIdentity(hub_key, absl::Now());
  if (!identity.ok()) return identity.status();
  s->scheduler_ =
      std::make_unique<federation::ThreadScheduler>(kFederationThreads);
  s->transport_ = std::make_unique<federation::GrpcTransport>(
      *identity, s->scheduler_.get());
  s->counting_transport_ =
      std::make_unique<CountingTransport>(s->transport_.get());
  federation::Federation* fed = s->node_->Federate(
      s->scheduler_.get(), s->counting_transport_.get(), fed_options);

  RouteProtobufLogToSpdlog();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  s->federation_service_ = std::make_unique<federation::FederationService>(fed);
  {
    grpc::ServerBuilder builder;
    builder.RegisterService(s->federation_service_.get());
    AddRequestErrorInterceptor(builder, "federation");
    builder.SetMaxReceiveMessageSize(federation::kMaxInboundMessageBytes);
    builder.SetMaxSendMessageSize(kMaxFederationMessageBytes);
    ApplyConnectionRules(builder, ConnectionRules{kFederationStreams});
    // The federation service is synchronous, a thread per call: a cap, so
    // that calls (even reset at once, HTTP/2 "rapid reset") can never make
    // thousands of threads; beyond it a call gets RESOURCE_EXHAUSTED and
    // the calling hub retries.
    grpc::ResourceQuota quota("federation");
    quota.SetMaxThreads(kFederationServerThreads);
    builder.SetResourceQuota(quota);
    auto server =
        StartGuarded(builder, *s->federation_guard_,
                     federation::FederationServerCredentials(*identity),
                     options.peer_listen);
    if (!server.ok()) return server.status();
    s->federation_server_ = *std::move(server);
    s->federation_address_ =
        options.advertise.empty()
            ? BoundAddress(options.peer_listen, s->federation_guard_->port())
            : options.advertise;
  }
  fed->SetFederationAddress(s->federation_address_);
  if (absl::Status st = fed->Start(); !st.ok()) return st;

  // Public server.
  // A client flooding it with refused or reset calls is cut off by the
  // port's ConnectionGuard.
  node::Hub* hub = s->node_->hub();
  s->public_directory_ = std::make_unique<DirectoryService>(
      hub, s->public_guard_.get(), options.directory_limits);
  {
    grpc::ServerBuilder builder;
    builder.RegisterService(s->public_directory_.get());
    AddRequestErrorInterceptor(builder, "public", NewReflectionGuard({}));
    grpc::ResourceQuota quota("civhub-public");
    quota.SetMaxThreads(kMaxPublicSyncThreads);
    builder.SetResourceQuota(quota);
    builder.SetMaxReceiveMessageSize(kMaxPublicRequestBytes);
    builder.SetMaxSendMessageSize(kMaxResponseBytes);
    ApplyConnectionRules(builder, ConnectionRules{kPublicStreams});
    auto server = StartGuarded(builder, *s->public_guard_, *public_credentials,
                               options.listen);
    if (!server.ok()) return server.status();
    s->public_server_ = *std::move(server);
    s->public_address_ = BoundAddress(options.listen, s->public_guard_->port());
    // Health checks may name the service (as Kubernetes' and grpc-health-
    // probe's -service do), not only "" for the whole server.
    s->public_server_->GetHealthCheckService()->SetServingStatus(
        v1::Directory::service_full_name(), true);
  }

  if (http_on || !options.gateway.metrics_listen.empty()) {
    s->metrics_ = std::make_unique<ServerMetrics>(ServerMetricsSources{
        s->node_.get(), store_path, s->started_at_, s->public_guard_.get(),
        s->federation_guard_.get(), s->counting_transport_.get()});
    gateway::GatewayContext context;
    context.node = s->node_.get();
    context.listeners_up = &s->listeners_up_;
    context.metrics = s->metrics_.get();
    auto gw = gateway::Gateway::Start(gateway_options, context);
    if (!gw.ok()) return gw.status();
    s->gateway_ = *std::move(gw);
    s->http_address_ = s->gateway_->address();
    s->metrics_address_ = s->gateway_->metrics_address();
  }

  s->admin_socket_ = s->data_dir_ + "/admin.sock";
  if (s->admin_socket_.size() > kMaxSocketPath) {
    return absl::FailedPreconditionError(
        absl::StrCat("admin socket path ", s->admin_socket_, " is longer than ",
                     kMaxSocketPath, " bytes; use a shorter --data-dir"));
  }
  // A socket file left by a crashed run is safe to replace: the store lock
  // proved no other civhubd owns this dir.
  ::unlink(s->admin_socket_.c_str());
  profile.set_federation_address(s->federation_address_);
  AdminInfo info{s->data_dir_,
                 store_path,
                 s->public_address_,
                 s->federation_address_,
                 s->http_address_,
                 profile,
                 node::SystemClock()->Now(),
                 s->public_guard_.get(),
                 s->federation_guard_.get()};
  s->admin_ = std::make_unique<AdminService>(hub, fed, std::move(info));
  // Its callers' federation::ClientKey is "": no per-client limit applies.
  s->admin_directory_ =
      std::make_unique<DirectoryService>(hub, /*abuse=*/nullptr);
  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + s->admin_socket_,
                             grpc::InsecureServerCredentials());
    builder.RegisterService(s->admin_.get());
    builder.RegisterService(s->admin_directory_.get());
    AddRequestErrorInterceptor(builder, "admin");
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
    for (const char* service :
         {v1::Admin::service_full_name(), v1::Directory::service_full_name()}) {
      s->admin_server_->GetHealthCheckService()->SetServingStatus(service,
                                                                  true);
    }
    if (::chmod(s->admin_socket_.c_str(), 0600) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot set mode 0600 on ", s->admin_socket_, ": ",
                       std::strerror(errno)));
    }
  }
  s->listeners_up_ = true;
  s->housekeeper_ = std::thread([hs = s.get()] { hs->Housekeep(); });
  spdlog::info(
      "hub {} serving directory on {}{}, federation on {}, admin on unix:{}, "
      "http on {}",
      hub->id().HubId(), s->public_address_,
      options.tls_cert_file.empty() ? "" : " (TLS)", s->federation_address_,
      s->admin_socket_, s->http_address_.empty() ? "(off)" : s->http_address_);
  return s;
}

void HubServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  listeners_up_ = false;
  // HTTP first: its streams and queries read the hub.
  if (gateway_) gateway_->Stop();
  if (node_ && node_->federation()) node_->federation()->Stop();
  for (DirectoryService* d :
       {public_directory_.get(), admin_directory_.get()}) {
    if (d != nullptr) d->StopWatches();
  }
  for (ConnectionGuard* guard :
       {public_guard_.get(), federation_guard_.get()}) {
    if (guard != nullptr) guard->Stop();
  }
  compaction_stop_ = true;
  {
    absl::MutexLock lock(&housekeeper_mu_);
    stopping_ = true;
  }
  if (housekeeper_.joinable()) housekeeper_.join();
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(2);
  for (grpc::Server* server :
       {federation_server_.get(), public_server_.get(), admin_server_.get()}) {
    if (server != nullptr) server->Shutdown(deadline);
  }
  // Outgoing calls, then the threads that run their replies.
  if (transport_) transport_->Shutdown();
  if (scheduler_) scheduler_->Shutdown();
  if (admin_server_) {
    ::unlink(admin_socket_.c_str());
    spdlog::info("hub stopped");
  }
}

void HubServer::Housekeep() {
  absl::MutexLock lock(&housekeeper_mu_);
  while (!housekeeper_mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                                           absl::Seconds(2))) {
    // Free memory the allocator holds (ProcessMemory: held − in use).
    v1::MemoryUsage m = ReadProcessMemory();
    if (m.heap_held_bytes() > m.heap_in_use_bytes() + kTrimAboveBytes) {
      ::malloc_trim(0);
    }
    MergePostings();
  }
}

void HubServer::MergePostings() {
  // 2,000 blocks a step hold the store's write lock for about 2 ms; 100 ms
  // of every 2 s is at most 5 % of a core, and merges the one-posting
  // blocks of a million publishes in a few minutes.
  constexpr size_t kStepBlocks = 2000;
  constexpr absl::Duration kBudget = absl::Milliseconds(100);
  // A pass that removed this many blocks is followed by a compaction: a
  // few thousand deletions cost queries little, millions cost a LevelDB
  // step each.
  constexpr uint64_t kCompactAfterRemoved = 100000;
  node::Store* store = node_->store();
  if (!merge_schedule_.ShouldMerge(absl::Now(), store->last_change())) return;
  for (const absl::Time end = absl::Now() + kBudget; absl::Now() < end;) {
    absl::StatusOr<node::Store::PostingMergeStep> step =
        store->MergePostingBlocks(kStepBlocks);
    if (!step.ok()) {
      // A read-only store says so on every write; anything else is logged.
      if (!node::IsStoreReadOnly(step.status())) {
        spdlog::warn("search index: merging posting blocks: {}",
                     step.status().ToString());
      }
      merge_schedule_.Rest(absl::Now(), store->last_change());
      return;
    }
    merge_removed_in_pass_ += step->blocks_removed;
    if (step->pass_done) {
      if (merge_removed_in_pass_ > 0) {
        spdlog::info("search index: merged {} small posting blocks",
                     merge_removed_in_pass_);
      }
      if (merge_removed_in_pass_ >= kCompactAfterRemoved) {
        // The replaced blocks stay as deletions that every list read steps
        // over until compacted (Store::CompactPostings).
        const absl::Time start = absl::Now();
        // Seconds to minutes: outside the lock, so that a shutdown can say
        // stop (the compaction ends at its next piece).
        housekeeper_mu_.Unlock();
        absl::Status st =
            store->CompactPostings([this] { return compaction_stop_.load(); });
        housekeeper_mu_.Lock();
        if (!st.ok()) {
          if (!node::IsStoreReadOnly(st)) {
            spdlog::warn("search index: compacting posting lists: {}",
                         st.ToString());
          }
        } else {
          spdlog::info("search index: compacted the posting lists in {}",
                       absl::FormatDuration(absl::Now() - start));
        }
      }
      merge_removed_in_pass_ = 0;
      merge_schedule_.Rest(absl::Now(), store->last_change());
      return;
    }
  }
}

HubServer::~HubServer() { Shutdown(); }

}  // namespace civhub::server
