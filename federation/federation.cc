// Federation: setup, trust, and the admin views (the peer table is
// PeerTable; links.cc holds the link protocol, replication.cc anti-entropy,
// Spreading push, announce and fetch).
#include "federation/federation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "node/records/validate.h"

namespace civhub::federation {
namespace {

google::protobuf::Timestamp ToTimestamp(int64_t micros) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return ts;
}

}  // namespace

Federation::Federation(node::Hub* hub, TrustGraph* trust, Scheduler* scheduler,
                       Transport* transport, FederationOptions options)
    : hub_(hub),
      store_(hub->store()),
      trust_(trust),
      scheduler_(scheduler),
      transport_(transport),
      options_(std::move(options)),
      self_(hub->id().bytes()),
      table_(store_, hub->clock(), self_, &mu_),
      spreading_(this, &mu_, &stopped_, &table_, &runtime_, store_,
                 hub->clock(), scheduler, transport, &options_, self_),
      rng_(options_.seed != 0 ? options_.seed : std::random_device()()) {}

Federation::~Federation() { Stop(); }

absl::StatusOr<v1::Invite> Federation::CreateInvite(absl::Duration valid_for,
                                                    const std::string& note) {
  return table_.CreateInvite(options_.profile.federation_address(), valid_for,
                             note);
}

absl::StatusOr<std::vector<v1::Invite>> Federation::ListInvites() {
  return table_.ListInvites();
}

absl::StatusOr<v1::Invite> Federation::RevokeInvite(const std::string& id) {
  return table_.RevokeInvite(id);
}

absl::Status Federation::Start() {
  absl::StatusOr<std::vector<storage::PeerRecord>> loaded = table_.Load();
  if (!loaded.ok()) return loaded.status();
  std::vector<std::string> active, requested;
  for (const storage::PeerRecord& record : *loaded) {
    if (record.state() == v1::PEER_STATE_ACTIVE) active.push_back(record.key());
    if (record.state() == v1::PEER_STATE_REQUESTED)
      requested.push_back(record.key());
  }
  // Holding own records is not enough (a restore may be unfinished): the
  // hub's own profile shows it has published before.
  absl::StatusOr<std::optional<node::StoredView>> profile =
      store_->Get(self_, node::kHubProfileRecordId);
  if (!profile.ok()) return profile.status();
  {
    absl::MutexLock lock(&mu_);
    system_records_pending_ = !profile->has_value();
  }
  PublishSystemRecords();
  RebuildTrust();
  for (const std::string& peer : active)
    ScheduleRound(peer, absl::ZeroDuration());
  for (const std::string& peer : requested) {
    scheduler_->Run([this, peer] { SendLinkRequest(peer, nullptr); });
  }
  return absl::OkStatus();
}

void Federation::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void Federation::PublishSystemRecords() {
  std::vector<v1::RecordBody> bodies;
  {
    absl::MutexLock lock(&mu_);
    if (system_records_pending_ || !options_.publish_system_records) return;
    v1::RecordBody profile;
    profile.set_record_id(std::string(node::kHubProfileRecordId));
    *profile.mutable_hub_profile() = options_.profile;
    bodies.push_back(std::move(profile));
    for (const auto& [key, record] : table_.rows()) {
      if (record.state() != v1::PEER_STATE_ACTIVE) continue;
      v1::RecordBody link;
      link.set_record_id(LinkRecordId(key));
      link.mutable_peer_link()->set_peer(crypto::HubIdOf(key));
      link.mutable_peer_link()->set_link_id(record.link_id());
      link.mutable_peer_link()->set_peer_signature(
          record.peer_link_signature());
      bodies.push_back(std::move(link));
    }
  }
  // Unchanged records are not republished (Hub::PublishSystem compares).
  for (v1::RecordBody& body : bodies) {
    absl::StatusOr<node::PublishResult> r =
        hub_->PublishSystem(std::move(body));
    if (!r.ok()) {
      spdlog::warn("federation: cannot publish a system record: {}",
                   r.status().ToString());
    }
  }
}

void Federation::RebuildTrust() {
  absl::MutexLock rebuild(&rebuild_mu_);
  std::vector<std::string> direct;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, record] : table_.rows()) {
      if (record.state() == v1::PEER_STATE_ACTIVE) direct.push_back(key);
    }
  }
  std::vector<LinkClaim> claims;
  if (absl::StatusOr<std::vector<node::StoredView>> links =
          store_->RecordsOfKind(v1::RecordBody::kPeerLink);
      links.ok()) {
    for (const node::StoredView& view : *links) {
      const v1::PeerLink& link = view.body.peer_link();
      absl::StatusOr<crypto::PublicKey> peer =
          crypto::PublicKey::FromHubId(link.peer());
      if (!peer.ok()) continue;
      claims.push_back({view.body.origin(), peer->bytes(), link.link_id(),
                        link.peer_signature()});
    }
  }
  std::set<std::string> blocked;
  if (absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
          origins = store_->Origins();
      origins.ok()) {
    for (const auto& [origin, state] : *origins) {
      if (state.blocked()) blocked.insert(origin);
    }
  }
  trust_->Rebuild(direct, claims, blocked);
}

void Federation::NoteError(const std::string& peer, const std::string& error) {
  absl::MutexLock lock(&mu_);
  auto it = table_.rows().find(peer);
  if (it == table_.rows().end()) return;
  SetErrorLocked(it->second, error);
}

void Federation::NoteCallError(const std::string& peer, absl::string_view what,
                               const absl::Status& status) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    absl::MutexLock lock(&mu_);
    runtime_[peer].confirming = true;
    return;
  }
  NoteError(peer, absl::StrCat(what, ": ", status.message()));
}

void Federation::SetErrorLocked(storage::PeerRecord& record,
                                const std::string& error) {
  const std::string name = record.profile().name().empty()
                               ? crypto::HubIdOf(record.key())
                               : record.profile().name();
  if (error == record.last_error() && record.last_error_count() > 0) {
    const uint64_t n = record.last_error_count() + 1;
    record.set_last_error_count(n);
    // 10, 100, 1000...: a reminder that it still fails, not a flood.
    uint64_t power = 10;
    while (power < n && power <= UINT64_MAX / 10) power *= 10;
    if (n == power) {
      spdlog::warn(
          "federation: {} at {}: still failing: {} (repeated {} times)", name,
          record.address(), error, n);
    }
  } else {
    if (record.last_error_count() > 1) {
      spdlog::warn(
          "federation: {} at {}: {} (the previous error, {}, repeated {} "
          "times)",
          name, record.address(), error, record.last_error(),
          record.last_error_count());
    } else {
      spdlog::warn("federation: {} at {}: {}", name, record.address(), error);
    }
    record.set_last_error(error);
    record.set_last_error_count(1);
  }
  record.set_last_error_micros(absl::ToUnixMicros(hub_->clock()->Now()));
}

void Federation::ClearErrorLocked(storage::PeerRecord& record) {
  if (record.last_error_count() > 0) {
    spdlog::info("federation: {} at {} answers again (after {} failure(s): {})",
                 record.profile().name().empty() ? crypto::HubIdOf(record.key())
                                                 : record.profile().name(),
                 record.address(), record.last_error_count(),
                 record.last_error());
  }
  record.set_last_error("");
  record.set_last_error_count(0);
}

std::string Federation::LinkRecordId(const std::string& peer) const {
  return absl::StrCat(node::kLinkRecordPrefix, crypto::HubIdOf(peer));
}

absl::Duration Federation::Jitter(absl::Duration d) {
  std::uniform_real_distribution<double> factor(0.8, 1.2);
  return d * factor(rng_);
}

absl::Status Federation::RequireActive(const crypto::PublicKey& caller) {
  auto it = table_.rows().find(caller.bytes());
  if (it != table_.rows().end() &&
      it->second.state() == v1::PEER_STATE_REQUESTED) {
    // The peer approved this hub's request before its confirmation got
    // here: ask again now (the answer will be ACCEPTED) and let the caller
    // retry, without it mistaking this for a removed link.
    const std::string peer = caller.bytes();
    scheduler_->Run([this, peer] { SendLinkRequest(peer, nullptr); });
    return absl::FailedPreconditionError(
        "this hub has not seen the link confirmed yet; retry shortly");
  }
  if (it == table_.rows().end() ||
      it->second.state() != v1::PEER_STATE_ACTIVE) {
    return absl::PermissionDeniedError(absl::StrCat(
        "hub ", caller.HubId(), " has no active link with this hub"));
  }
  return absl::OkStatus();
}

v1::Peer Federation::PeerView(const storage::PeerRecord& record) {
  v1::Peer peer;
  peer.set_hub_id(crypto::HubIdOf(record.key()));
  if (absl::StatusOr<crypto::PublicKey> key =
          crypto::PublicKey::FromBytesCached(record.key());
      key.ok()) {
    peer.set_fingerprint(key->Fingerprint());
  }
  peer.set_state(record.state());
  peer.set_address(record.address());
  *peer.mutable_profile() = record.profile();
  if (record.since_micros() != 0)
    *peer.mutable_since() = ToTimestamp(record.since_micros());
  if (record.last_sync_micros() != 0) {
    *peer.mutable_last_sync() = ToTimestamp(record.last_sync_micros());
  }
  peer.set_last_error(record.last_error());
  peer.set_last_error_count(record.last_error_count());
  if (record.last_error_micros() != 0) {
    *peer.mutable_last_error_at() = ToTimestamp(record.last_error_micros());
  }
  auto rt = runtime_.find(record.key());
  if (rt != runtime_.end()) {
    for (const std::string& origin : rt->second.forked_origins) {
      peer.add_forked_origins(crypto::HubIdOf(origin));
    }
  }
  // Steps of linking, shown as such rather than as faults.
  const bool linking_error = !record.last_error().empty();
  if (record.state() == v1::PEER_STATE_REQUESTED && !linking_error) {
    peer.set_progress(rt != runtime_.end() && rt->second.link_pending_seen
                          ? "waiting for approval"
                          : "connecting");
  } else if (record.state() == v1::PEER_STATE_ACTIVE && !linking_error &&
             rt != runtime_.end() && rt->second.confirming) {
    peer.set_progress("confirming");
  } else if (record.state() == v1::PEER_STATE_ACTIVE && !linking_error &&
             record.last_sync_micros() == 0) {
    peer.set_progress("first sync pending");
  }
  return peer;
}

absl::StatusOr<std::vector<v1::Peer>> Federation::ListPeers() {
  absl::StatusOr<Vector> ours = CurrentVector();
  if (!ours.ok()) return ours.status();
  std::vector<v1::Peer> out;
  std::vector<std::pair<size_t, Vector>> views;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, record] : table_.rows()) {
      if (record.state() == v1::PEER_STATE_PENDING) continue;
      out.push_back(PeerView(record));
      auto rt = runtime_.find(key);
      if (record.state() == v1::PEER_STATE_ACTIVE && rt != runtime_.end() &&
          !rt->second.holds.empty()) {
        views.emplace_back(out.size() - 1, rt->second.holds);
      }
    }
  }
  // How far behind: records this hub holds past what each peer last stated.
  for (auto& [index, view] : views) {
    uint64_t behind = 0;
    for (const auto& [origin, seq] : *ours) {
      auto it = view.find(origin);
      uint64_t theirs = it == view.end() ? 0 : it->second;
      if (seq == kBlocked || theirs == kBlocked || theirs >= seq) continue;
      absl::StatusOr<uint64_t> n = store_->CountAfter(origin, theirs, seq);
      if (n.ok()) behind += *n;
    }
    out[index].set_behind(behind);
  }
  return out;
}

std::vector<v1::PendingPeer> Federation::ListPending() {
  absl::MutexLock lock(&mu_);
  table_.ExpirePending(options_.pending_expiry);
  std::vector<v1::PendingPeer> out;
  for (const auto& [key, record] : table_.rows()) {
    if (record.state() != v1::PEER_STATE_PENDING) continue;
    v1::PendingPeer& p = out.emplace_back();
    p.set_hub_id(crypto::HubIdOf(key));
    if (absl::StatusOr<crypto::PublicKey> k =
            crypto::PublicKey::FromBytesCached(key);
        k.ok()) {
      p.set_fingerprint(k->Fingerprint());
    }
    *p.mutable_profile() = record.profile();
    p.set_address(record.address());
    *p.mutable_requested_at() = ToTimestamp(record.requested_at_micros());
    p.set_sent_from(record.requested_from());
  }
  return out;
}

size_t Federation::CountPeers(v1::PeerState state) {
  absl::MutexLock lock(&mu_);
  return static_cast<size_t>(std::count_if(
      table_.rows().begin(), table_.rows().end(),
      [state](const auto& p) { return p.second.state() == state; }));
}

absl::StatusOr<uint64_t> Federation::Block(const std::string& hub_id) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return key.status();
  if (key->bytes() == self_) {
    return absl::InvalidArgumentError("hub_id: a hub cannot block itself");
  }
  absl::StatusOr<uint64_t> purged = store_->Block(key->bytes());
  if (!purged.ok()) return purged.status();
  {
    absl::MutexLock lock(&mu_);
    spreading_.DropPushesOfLocked(key->bytes());
  }
  RebuildTrust();
  return purged;
}

absl::Status Federation::Unblock(const std::string& hub_id) {
  absl::StatusOr<crypto::PublicKey> key = crypto::PublicKey::FromHubId(hub_id);
  if (!key.ok()) return key.status();
  if (absl::Status s = store_->Unblock(key->bytes()); !s.ok()) return s;
  RebuildTrust();
  return absl::OkStatus();
}

absl::StatusOr<v1::Network> Federation::GetNetwork() {
  absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
      origins = store_->Origins();
  if (!origins.ok()) return origins.status();
  absl::StatusOr<std::vector<node::StoredView>> profiles =
      store_->RecordsOfKind(v1::RecordBody::kHubProfile);
  if (!profiles.ok()) return profiles.status();
  std::map<std::string, v1::NetworkHub> hubs;
  auto hub = [&](const std::string& key) -> v1::NetworkHub& {
    v1::NetworkHub& h = hubs[key];
    if (h.hub_id().empty()) {
      h.set_hub_id(crypto::HubIdOf(key));
      if (absl::StatusOr<crypto::PublicKey> k =
              crypto::PublicKey::FromBytesCached(key);
          k.ok()) {
        h.set_fingerprint(k->Fingerprint());
      }
      h.set_is_self(key == self_);
      h.set_trusted(key == self_ || trust_->Trusted(key));
    }
    return h;
  };
  for (const auto& [origin, state] : *origins) {
    v1::NetworkHub& h = hub(origin);
    h.set_records(state.records());
    h.set_max_sequence(state.max_sequence());
    h.set_blocked(state.blocked());
    h.set_forked(state.forks() > 0);
  }
  for (const node::StoredView& view : *profiles) {
    *hub(view.body.origin()).mutable_profile() = view.body.hub_profile();
  }
  v1::Network network;
  for (const auto& [a, b] : trust_->Links()) {
    hub(a);
    hub(b);
    v1::NetworkLink* link = network.add_links();
    link->set_a(crypto::HubIdOf(a));
    link->set_b(crypto::HubIdOf(b));
  }
  hub(self_);
  for (auto& [key, h] : hubs) *network.add_hubs() = std::move(h);
  return network;
}

}  // namespace civhub::federation
