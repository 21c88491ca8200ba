// Transport over gRPC with mutual TLS. This hub presents a self-signed
// certificate of its hub key; the server's certificate must carry exactly
// the key the call is addressed to (pinning), else the call fails with
// UNAUTHENTICATED and the attempt is logged. Thread-safe.
#ifndef CIVHUB_FEDERATION_GRPC_GRPC_TRANSPORT_H_
#define CIVHUB_FEDERATION_GRPC_GRPC_TRANSPORT_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "civhub/v1/federation.grpc.pb.h"
#include "federation/thread_scheduler.h"
#include "federation/transport.h"

namespace civhub::federation {

// This hub's TLS identity: its key and certificate, PEM.
struct TlsIdentity {
  std::string private_key_pem;
  std::string certificate_pem;
};

// Builds the identity for `key` (certificate valid from `now`).
absl::StatusOr<TlsIdentity> MakeTlsIdentity(const crypto::PrivateKey& key,
                                            absl::Time now);

// Server credentials for the federation port: present `identity`, ask every
// client for its certificate without verifying a chain (handlers pin keys).
std::shared_ptr<grpc::ServerCredentials> FederationServerCredentials(
    const TlsIdentity& identity);

// The key a client presented on the call in `context`, or UNAUTHENTICATED.
absl::StatusOr<crypto::PublicKey> CallerKey(const grpc::ServerContext& context);

// The network a call came from, from gRPC's peer string
// (ServerContext::peer()): "ipv4:203.0.113.7:40112" -> "203.0.113.7",
// "ipv6:[2001:db8:1:2:a::1]:40112" -> "2001:db8:1::/48" (one site is
// commonly given a whole /48, so one attacker holds 65,536 /64s), an
// IPv4-mapped IPv6 address -> the IPv4 address. Anything else comes back
// whole. `ipv6_prefix_bits` (48 or 64) sets the IPv6 network's size.
std::string SourceNetwork(absl::string_view grpc_peer,
                          int ipv6_prefix_bits = 48);

class GrpcTransport : public Transport {
 public:
  // Replies run on `scheduler`, which must outlive the transport. Calls
  // block one of the transport's own `call_threads` while in flight (gRPC's
  // synchronous API: its callback API crashed in Debian's 1.51 under load).
  GrpcTransport(TlsIdentity identity, Scheduler* scheduler,
                int call_threads = 8);
  ~GrpcTransport() override;

  void RequestLink(const PeerAddress& to, absl::Duration deadline,
                   v1::LinkRequest request,
                   Reply<v1::LinkResponse> reply) override;
  void ConfirmLink(const PeerAddress& to, absl::Duration deadline,
                   v1::LinkConfirmation request,
                   Reply<v1::LinkAck> reply) override;
  void RemoveLink(const PeerAddress& to, absl::Duration deadline,
                  v1::LinkRemoval request, Reply<v1::LinkAck> reply) override;
  void Sync(const PeerAddress& to, absl::Duration deadline,
            v1::SyncRequest request, Reply<v1::SyncResponse> reply) override;
  void Push(const PeerAddress& to, absl::Duration deadline,
            v1::PushRequest request, Reply<v1::PushResponse> reply) override;
  void Announce(const PeerAddress& to, absl::Duration deadline,
                v1::AnnounceRequest request,
                Reply<v1::AnnounceResponse> reply) override;
  void Fetch(const PeerAddress& to, absl::Duration deadline,
             v1::FetchRequest request, Reply<v1::FetchResponse> reply) override;
  void Probe(const PeerAddress& to, absl::Duration deadline,
             std::function<void(absl::Status)> done) override;
  void Close(const PeerAddress& to) override;

  // Cancels calls in flight and waits for their callbacks. Idempotent.
  void Shutdown();

 private:
  class PinnedKeyVerifier;
  // Why the verifier last refused a peer's certificate; written on gRPC's
  // handshake threads, read where calls complete.
  class Mismatch {
   public:
    // `presented`: the hub id in the certificate, or why it holds none.
    void Set(std::string message, std::string presented, bool is_hub) {
      absl::MutexLock lock(&mu_);
      message_ = std::move(message);
      presented_ = std::move(presented);
      is_hub_ = is_hub;
    }
    std::string Get() const {
      absl::MutexLock lock(&mu_);
      return message_;
    }
    std::string Presented(bool* is_hub) const {
      absl::MutexLock lock(&mu_);
      *is_hub = is_hub_;
      return presented_;
    }

   private:
    mutable absl::Mutex mu_;
    std::string message_ ABSL_GUARDED_BY(mu_);
    std::string presented_ ABSL_GUARDED_BY(mu_);
    bool is_hub_ ABSL_GUARDED_BY(mu_) = false;
  };
  // Shared by the map and the calls in flight on it: Close() drops the
  // map's reference, the channel goes when the last call ends.
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::Federation::Stub> stub;
    std::shared_ptr<Mismatch> mismatch;
  };
  template <typename Request, typename Response, typename Method>
  void Call(const PeerAddress& to, absl::Duration timeout, Request request,
            Reply<Response> reply, Method method);
  std::shared_ptr<Connection> ConnectionTo(const PeerAddress& to)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A new channel to `to`; `tag` keeps it apart from other channels to the
  // same peer (gRPC shares connections between channels of equal
  // arguments).
  std::shared_ptr<grpc::Channel> NewChannel(const PeerAddress& to,
                                            std::shared_ptr<Mismatch> mismatch,
                                            const std::string& tag) const;

  const TlsIdentity identity_;
  Scheduler* const scheduler_;
  ThreadScheduler calls_;
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Connection>>
      connections_ ABSL_GUARDED_BY(mu_);
  uint64_t next_probe_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
  uint64_t next_call_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_GRPC_GRPC_TRANSPORT_H_
