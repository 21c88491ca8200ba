#include "federation/grpc/grpc_transport.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/server_context.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crypto/certificate.h"

namespace civhub::federation {
namespace {

using grpc::experimental::CertificateVerifier;
using grpc::experimental::ExternalCertificateVerifier;
using grpc::experimental::IdentityKeyCertPair;
using grpc::experimental::StaticDataCertificateProvider;
using grpc::experimental::TlsCustomVerificationCheckRequest;

// Message size on the federation port: a Sync reply holds up to 4 MiB of
// records plus framing; anything much larger is not from a civhub peer.
constexpr int kMaxMessageBytes = 16 << 20;

std::shared_ptr<StaticDataCertificateProvider> Provider(
    const TlsIdentity& identity) {
  return std::make_shared<StaticDataCertificateProvider>(
      std::vector<IdentityKeyCertPair>{
          {identity.private_key_pem, identity.certificate_pem}});
}

// Accepts any client certificate at the TLS layer: handlers pin keys.
class AcceptAnyVerifier : public ExternalCertificateVerifier {
 public:
  bool Verify(TlsCustomVerificationCheckRequest*,
              std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    *sync_status = grpc::Status::OK;
    return true;
  }
  void Cancel(TlsCustomVerificationCheckRequest*) override {}
};

// What a failed first connection to `address` found there, from gRPC's
// status message ("failed to connect to all addresses; last error: UNKNOWN:
// ipv4:127.0.0.1:7340: Tls handshake failed: ... wrong version number").
absl::Status DescribeConnectFailure(const std::string& address,
                                    absl::string_view message) {
  absl::string_view reason = message;
  if (size_t at = reason.find("last error: "); at != reason.npos) {
    reason.remove_prefix(at + strlen("last error: "));
  }
  if (absl::StrContains(message, "Connection refused")) {
    return absl::UnavailableError(
        absl::StrCat("nothing listens on ", address, " (connection refused)"));
  }
  if (absl::StrContains(message, "wrong version number") ||
      absl::StrContains(message, "packet length too long") ||
      absl::StrContains(message, "http request")) {
    return absl::FailedPreconditionError(absl::StrCat(
        address,
        " is not a civhub federation port (it does not speak TLS); a hub's "
        "federation port is usually its Directory port + 1 (7341 by "
        "default; civhubd prints it at start as \"federation:\")"));
  }
  if (absl::StrContains(message, "andshake")) {
    return absl::FailedPreconditionError(absl::StrCat(
        address,
        " did not complete a TLS handshake as a civhub federation port "
        "would (",
        reason, ")"));
  }
  if (absl::StrContains(message, "DNS resolution failed") ||
      absl::StrContains(message, "Domain name not found")) {
    return absl::UnavailableError(absl::StrCat("cannot resolve the host of ",
                                               address, " (", reason, ")"));
  }
  return absl::UnavailableError(
      absl::StrCat("cannot connect to ", address, " (", reason, ")"));
}

}  // namespace

// Fails the handshake unless the server's certificate holds `expected`.
class GrpcTransport::PinnedKeyVerifier : public ExternalCertificateVerifier {
 public:
  PinnedKeyVerifier(crypto::PublicKey expected, std::string address,
                    std::shared_ptr<Mismatch> mismatch)
      : expected_(std::move(expected)),
        address_(std::move(address)),
        mismatch_(std::move(mismatch)) {}

  bool Verify(TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    absl::StatusOr<crypto::PublicKey> key = crypto::CertificateKey(
        std::string(request->peer_cert().data(), request->peer_cert().size()));
    if (key.ok() && *key == expected_) {
      *sync_status = grpc::Status::OK;
      return true;
    }
    std::string presented =
        key.ok() ? key->HubId() : std::string(key.status().message());
    std::string message =
        absl::StrCat("the hub at ", address_, " presented ", presented,
                     " instead of ", expected_.HubId());
    // Federation notes it on the peer and logs it once, not per handshake.
    spdlog::debug("federation: refused connection: {}", message);
    mismatch_->Set(message, presented, key.ok());
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, message);
    return true;
  }
  void Cancel(TlsCustomVerificationCheckRequest*) override {}

 private:
  const crypto::PublicKey expected_;
  const std::string address_;
  std::shared_ptr<Mismatch> mismatch_;
};

absl::StatusOr<TlsIdentity> MakeTlsIdentity(const crypto::PrivateKey& key,
                                            absl::Time now) {
  absl::StatusOr<std::string> cert =
      crypto::MakeSelfSignedCertificate(key, now);
  if (!cert.ok()) return cert.status();
  return TlsIdentity{key.ToPem(), *std::move(cert)};
}

std::shared_ptr<grpc::ServerCredentials> FederationServerCredentials(
    const TlsIdentity& identity) {
  grpc::experimental::TlsServerCredentialsOptions options(Provider(identity));
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(
      ExternalCertificateVerifier::Create<AcceptAnyVerifier>());
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<crypto::PublicKey> CallerKey(
    const grpc::ServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::vector<grpc::string_ref> certs =
      auth ? auth->FindPropertyValues("x509_pem_cert")
           : std::vector<grpc::string_ref>();
  if (certs.empty()) {
    return absl::UnauthenticatedError(
        "no client certificate: federation calls need the caller's hub "
        "certificate");
  }
  absl::StatusOr<crypto::PublicKey> key =
      crypto::CertificateKey(std::string(certs[0].data(), certs[0].size()));
  if (!key.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("client certificate: ", key.status().message()));
  }
  return key;
}

std::string SourceNetwork(absl::string_view grpc_peer, int ipv6_prefix_bits) {
  const std::string whole(grpc_peer);
  absl::string_view host;
  int family;
  if (absl::ConsumePrefix(&grpc_peer, "ipv4:")) {
    family = AF_INET;
    host = grpc_peer.substr(0, grpc_peer.rfind(':'));
  } else if (absl::ConsumePrefix(&grpc_peer, "ipv6:[")) {
    family = AF_INET6;
    host = grpc_peer.substr(0, grpc_peer.find(']'));
    host = host.substr(0, host.find('%'));  // A zone ("%eth0").
  } else {
    return whole;
  }
  const std::string address(host);
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    in_addr v4;
    if (inet_pton(AF_INET, address.c_str(), &v4) != 1) return whole;
    return address;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return whole;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr v4;
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    inet_ntop(AF_INET, &v4, text, sizeof(text));
    return text;
  }
  const int bytes = ipv6_prefix_bits / 8;  // 48 or 64: whole bytes.
  std::memset(&v6.s6_addr[bytes], 0, 16 - bytes);
  inet_ntop(AF_INET6, &v6, text, sizeof(text));
  return absl::StrCat(text, "/", ipv6_prefix_bits);
}

GrpcTransport::GrpcTransport(TlsIdentity identity, Scheduler* scheduler,
                             int call_threads)
    : identity_(std::move(identity)),
      scheduler_(scheduler),
      calls_(call_threads) {}

GrpcTransport::~GrpcTransport() { Shutdown(); }

std::shared_ptr<grpc::Channel> GrpcTransport::NewChannel(
    const PeerAddress& to, std::shared_ptr<Mismatch> mismatch,
    const std::string& tag) const {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(identity_));
  options.watch_identity_key_cert_pairs();
  // No CA: the pinned-key verifier is the whole check.
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      ExternalCertificateVerifier::Create<PinnedKeyVerifier>(
          to.key, to.address, std::move(mismatch)));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  // Matches a name of every hub's certificate (see kHubTlsName).
  args.SetSslTargetNameOverride(crypto::kHubTlsName);
  // One channel per peer: keep them apart even for equal addresses.
  args.SetString("civhub.peer", to.key.HubId());
  if (!tag.empty()) args.SetString("civhub.tag", tag);
  return grpc::CreateCustomChannel(
      to.address, grpc::experimental::TlsCredentials(options), args);
}

std::shared_ptr<GrpcTransport::Connection> GrpcTransport::ConnectionTo(
    const PeerAddress& to) {
  auto key = std::make_pair(to.key.bytes(), to.address);
  auto it = connections_.find(key);
  if (it != connections_.end()) return it->second;
  auto conn = std::make_shared<Connection>();
  conn->mismatch = std::make_shared<Mismatch>();
  conn->channel = NewChannel(to, conn->mismatch, "");
  conn->stub = v1::Federation::NewStub(conn->channel);
  connections_.emplace(key, conn);
  return conn;
}

void GrpcTransport::Close(const PeerAddress& to) {
  absl::MutexLock lock(&mu_);
  connections_.erase(std::make_pair(to.key.bytes(), to.address));
}

void GrpcTransport::Probe(const PeerAddress& to, absl::Duration deadline,
                          std::function<void(absl::Status)> done) {
  std::string tag;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      scheduler_->Run([done] { done(absl::CancelledError("shutting down")); });
      return;
    }
    tag = absl::StrCat("probe-", next_probe_++);
  }
  calls_.Run([this, to, deadline, tag, done = std::move(done)] {
    auto mismatch = std::make_shared<Mismatch>();
    std::shared_ptr<grpc::Channel> channel = NewChannel(to, mismatch, tag);
    const auto until =
        std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline);
    // The first connection attempt's outcome; READY means the handshake
    // passed the pinned-key verifier. No call is made, so the hub there
    // logs nothing.
    grpc_connectivity_state state = channel->GetState(true);
    while (state != GRPC_CHANNEL_READY &&
           state != GRPC_CHANNEL_TRANSIENT_FAILURE &&
           state != GRPC_CHANNEL_SHUTDOWN) {
      if (!channel->WaitForStateChange(state, until)) break;
      state = channel->GetState(true);
    }
    absl::Status result;
    bool is_hub = false;
    const std::string presented = mismatch->Presented(&is_hub);
    if (state == GRPC_CHANNEL_READY) {
      result = absl::OkStatus();
    } else if (!presented.empty()) {
      result = absl::UnauthenticatedError(
          is_hub ? absl::StrCat(to.address, " is a civhub hub but its key is ",
                                presented, ", not the one given (",
                                to.key.HubId(), ")")
                 : absl::StrCat(to.address,
                                " speaks TLS but is not a civhub hub (its "
                                "certificate: ",
                                presented, ")"));
    } else if (state == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      // A call on a failed channel fails at once with the attempt's error,
      // without reaching anything.
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(1));
      v1::FetchResponse response;
      grpc::Status st = v1::Federation::NewStub(channel)->Fetch(
          &ctx, v1::FetchRequest(), &response);
      result = st.error_code() == grpc::StatusCode::UNAVAILABLE
                   ? DescribeConnectFailure(to.address, st.error_message())
                   : absl::OkStatus();
    } else {
      result = absl::DeadlineExceededError(absl::StrCat(
          to.address, " did not answer within ", absl::FormatDuration(deadline),
          " (the hub is down, or a firewall drops the connection)"));
    }
    scheduler_->Run([done, result] { done(result); });
  });
}

template <typename Request, typename Response, typename Method>
void GrpcTransport::Call(const PeerAddress& to, absl::Duration timeout,
                         Request request, Reply<Response> reply,
                         Method method) {
  std::shared_ptr<Connection> conn;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      scheduler_->Run(
          [reply] { reply(absl::CancelledError("shutting down")); });
      return;
    }
    conn = ConnectionTo(to);
  }
  calls_.Run([this, key = std::make_pair(to.key.bytes(), to.address),
              conn = std::move(conn), timeout, request = std::move(request),
              reply = std::move(reply), method]() mutable {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(timeout));
    uint64_t id;
    {
      absl::MutexLock lock(&mu_);
      if (shut_down_) {
        scheduler_->Run(
            [reply] { reply(absl::CancelledError("shutting down")); });
        return;
      }
      id = next_call_++;
      in_flight_[id] = &ctx;
    }
    Response response;
    grpc::Status status = method(conn->stub.get(), &ctx, request, &response);
    {
      absl::MutexLock lock(&mu_);
      in_flight_.erase(id);
      // A channel that could not connect would keep dialing in the
      // background every few seconds; the next call opens a new one, so a
      // peer that is down is dialed at federation's pace (its backoff).
      auto it = connections_.find(key);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
          absl::StartsWith(status.error_message(), "failed to connect") &&
          it != connections_.end() && it->second == conn) {
        connections_.erase(it);
      }
    }
    absl::StatusOr<Response> result;
    const std::string refused =
        status.ok() ? std::string() : conn->mismatch->Get();
    if (status.ok()) {
      result = std::move(response);
    } else if (!refused.empty() &&
               status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      result = absl::UnauthenticatedError(refused);
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
               absl::StartsWith(status.error_message(), "failed to connect")) {
      // Says what answers there (still UNAVAILABLE: retried later).
      result = absl::UnavailableError(
          DescribeConnectFailure(key.second, status.error_message()).message());
    } else {
      result = absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                            status.error_message());
    }
    scheduler_->Run(
        [reply = std::move(reply), result = std::move(result)]() mutable {
          reply(std::move(result));
        });
  });
}

void GrpcTransport::RequestLink(const PeerAddress& to, absl::Duration deadline,
                                v1::LinkRequest request,
                                Reply<v1::LinkResponse> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::LinkRequest& req, v1::LinkResponse* resp) {
         return stub->RequestLink(ctx, req, resp);
       });
}

void GrpcTransport::ConfirmLink(const PeerAddress& to, absl::Duration deadline,
                                v1::LinkConfirmation request,
                                Reply<v1::LinkAck> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::LinkConfirmation& req,
          v1::LinkAck* resp) { return stub->ConfirmLink(ctx, req, resp); });
}

void GrpcTransport::RemoveLink(const PeerAddress& to, absl::Duration deadline,
                               v1::LinkRemoval request,
                               Reply<v1::LinkAck> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::LinkRemoval& req,
          v1::LinkAck* resp) { return stub->RemoveLink(ctx, req, resp); });
}

void GrpcTransport::Sync(const PeerAddress& to, absl::Duration deadline,
                         v1::SyncRequest request,
                         Reply<v1::SyncResponse> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::SyncRequest& req,
          v1::SyncResponse* resp) { return stub->Sync(ctx, req, resp); });
}

void GrpcTransport::Push(const PeerAddress& to, absl::Duration deadline,
                         v1::PushRequest request,
                         Reply<v1::PushResponse> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::PushRequest& req,
          v1::PushResponse* resp) { return stub->Push(ctx, req, resp); });
}

void GrpcTransport::Announce(const PeerAddress& to, absl::Duration deadline,
                             v1::AnnounceRequest request,
                             Reply<v1::AnnounceResponse> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::AnnounceRequest& req, v1::AnnounceResponse* resp) {
         return stub->Announce(ctx, req, resp);
       });
}

void GrpcTransport::Fetch(const PeerAddress& to, absl::Duration deadline,
                          v1::FetchRequest request,
                          Reply<v1::FetchResponse> reply) {
  Call(to, deadline, std::move(request), std::move(reply),
       [](v1::Federation::Stub* stub, grpc::ClientContext* ctx,
          const v1::FetchRequest& req,
          v1::FetchResponse* resp) { return stub->Fetch(ctx, req, resp); });
}

void GrpcTransport::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [id, ctx] : in_flight_) ctx->TryCancel();
  }
  // Calls in flight end (cancelled) and their threads are joined.
  calls_.Shutdown();
}

}  // namespace civhub::federation
