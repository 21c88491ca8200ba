#include "server/peer_metrics.h"

#include <utility>

namespace civhub::server {
namespace {

constexpr const char* kCallNames[kPeerCallKinds] = {
    "sync",         "push",         "announce",   "fetch",
    "request_link", "confirm_link", "remove_link"};
// In the order of ErrorIndex.
constexpr const char* kErrorNames[] = {"unavailable", "deadline", "refused",
                                       "overloaded", "other"};

int ErrorIndex(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
      return 0;
    case absl::StatusCode::kDeadlineExceeded:
      return 1;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kFailedPrecondition:
      return 2;
    case absl::StatusCode::kResourceExhausted:
      return 3;
    default:
      return 4;
  }
}

}  // namespace

std::string PeerErrorKind(const absl::Status& status) {
  return kErrorNames[ErrorIndex(status.code())];
}

std::shared_ptr<CountingTransport::Counters> CountingTransport::For(
    const federation::PeerAddress& to) {
  const std::string peer = to.key.HubId();
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Counters>& counters = peers_[peer];
  if (counters == nullptr) counters = std::make_shared<Counters>();
  return counters;
}

template <typename Request, typename Response>
federation::Reply<Response> CountingTransport::Count(
    const federation::PeerAddress& to, PeerCall call, const Request& request,
    federation::Reply<Response> reply) {
  std::shared_ptr<Counters> counters = For(to);
  counters->calls[static_cast<int>(call)]++;
  counters->sent_bytes += request.ByteSizeLong();
  if (call == PeerCall::kSync) counters->sync_started++;
  return [counters, call,
          reply = std::move(reply)](absl::StatusOr<Response> response) {
    if (response.ok()) {
      counters->received_bytes += response->ByteSizeLong();
      if (call == PeerCall::kSync) counters->sync_completed++;
    } else {
      counters->errors[ErrorIndex(response.status().code())]++;
    }
    reply(std::move(response));
  };
}

void CountingTransport::RequestLink(const federation::PeerAddress& to,
                                    absl::Duration deadline,
                                    v1::LinkRequest request,
                                    federation::Reply<v1::LinkResponse> reply) {
  auto counted = Count(to, PeerCall::kRequestLink, request, std::move(reply));
  inner_->RequestLink(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::ConfirmLink(const federation::PeerAddress& to,
                                    absl::Duration deadline,
                                    v1::LinkConfirmation request,
                                    federation::Reply<v1::LinkAck> reply) {
  auto counted = Count(to, PeerCall::kConfirmLink, request, std::move(reply));
  inner_->ConfirmLink(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::RemoveLink(const federation::PeerAddress& to,
                                   absl::Duration deadline,
                                   v1::LinkRemoval request,
                                   federation::Reply<v1::LinkAck> reply) {
  auto counted = Count(to, PeerCall::kRemoveLink, request, std::move(reply));
  inner_->RemoveLink(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::Sync(const federation::PeerAddress& to,
                             absl::Duration deadline, v1::SyncRequest request,
                             federation::Reply<v1::SyncResponse> reply) {
  auto counted = Count(to, PeerCall::kSync, request, std::move(reply));
  inner_->Sync(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::Push(const federation::PeerAddress& to,
                             absl::Duration deadline, v1::PushRequest request,
                             federation::Reply<v1::PushResponse> reply) {
  auto counted = Count(to, PeerCall::kPush, request, std::move(reply));
  inner_->Push(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::Announce(
    const federation::PeerAddress& to, absl::Duration deadline,
    v1::AnnounceRequest request,
    federation::Reply<v1::AnnounceResponse> reply) {
  auto counted = Count(to, PeerCall::kAnnounce, request, std::move(reply));
  inner_->Announce(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::Fetch(const federation::PeerAddress& to,
                              absl::Duration deadline, v1::FetchRequest request,
                              federation::Reply<v1::FetchResponse> reply) {
  auto counted = Count(to, PeerCall::kFetch, request, std::move(reply));
  inner_->Fetch(to, deadline, std::move(request), std::move(counted));
}

void CountingTransport::Close(const federation::PeerAddress& to) {
  {
    absl::MutexLock lock(&mu_);
    peers_.erase(to.key.HubId());
  }
  inner_->Close(to);
}

std::vector<prometheus::MetricFamily> CountingTransport::Collect() const {
  std::map<std::string, std::shared_ptr<Counters>> peers;
  {
    absl::MutexLock lock(&mu_);
    peers = peers_;
  }
  using Field = std::atomic<uint64_t> Counters::*;
  metrics::FamilyBuilder b;
  const struct {
    const char* name;
    const char* help;
    Field field;
  } simple[] = {
      {"civhub_peer_sync_rounds_started_total",
       "Anti-entropy rounds this hub started with a peer (Sync calls sent)",
       &Counters::sync_started},
      {"civhub_peer_sync_rounds_completed_total",
       "Anti-entropy rounds with a peer that got the peer's answer",
       &Counters::sync_completed},
      {"civhub_peer_sent_bytes_total",
       "Bytes of the federation requests this hub sent a peer (serialized "
       "protobuf)",
       &Counters::sent_bytes},
      {"civhub_peer_received_bytes_total",
       "Bytes of the replies this hub received from a peer to its federation "
       "calls (serialized protobuf)",
       &Counters::received_bytes},
  };
  for (const auto& family : simple) {
    b.Counter(family.name, family.help);
    for (const auto& [peer, c] : peers) {
      b.Add(static_cast<double>(((*c).*family.field).load()), {{"peer", peer}});
    }
  }
  b.Counter("civhub_peer_calls_total",
            "Federation calls this hub made to a peer, by call (sync, push, "
            "announce, fetch, request_link, confirm_link, remove_link)");
  for (const auto& [peer, c] : peers) {
    for (int i = 0; i < kPeerCallKinds; ++i) {
      b.Add(static_cast<double>(c->calls[i].load()),
            {{"peer", peer}, {"call", kCallNames[i]}});
    }
  }
  b.Counter("civhub_peer_errors_total",
            "Federation calls to a peer that failed, by kind: unavailable, "
            "deadline, refused (permission, authentication, precondition), "
            "overloaded, other");
  for (const auto& [peer, c] : peers) {
    for (int i = 0; i < kErrorKinds; ++i) {
      b.Add(static_cast<double>(c->errors[i].load()),
            {{"peer", peer}, {"kind", kErrorNames[i]}});
    }
  }
  return b.Take();
}

}  // namespace civhub::server
