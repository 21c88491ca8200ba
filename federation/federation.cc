// Federation: setup, trust, the admin views, and the calls of other hubs
// handed to the part they are for (the peer table is PeerTable; links.cc
// holds the link protocol, AntiEntropy the rounds, Spreading push, announce
// and fetch).
#include "federation/federation.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "node/records/validate.h"

namespace civhub::federation {
Federation::Federation(node::Hub* hub, TrustGraph* trust, Scheduler* scheduler,
                       Transport* transport, FederationOptions options)
    : hub_(hub),
      store_(hub->store()),
      trust_(trust),
      scheduler_(scheduler),
      transport_(transport),
      options_(std::move(options)),
      self_(hub->id().bytes()),
      shared_(store_, hub->clock(), self_, options_.seed),
      spreading_(this, &shared_, store_, hub->clock(), scheduler, transport,
                 &options_, self_, trust),
      anti_entropy_(this, &shared_, hub, trust, scheduler, transport, &options_,
                    self_),
      links_(this, &shared_, hub, scheduler, transport, &options_, self_) {}

Federation::~Federation() { Stop(); }

absl::StatusOr<v1::Invite> Federation::CreateInvite(absl::Duration valid_for,
                                                    const std::string& note) {
  return shared_.table.CreateInvite(options_.profile.federation_address(),
                                    valid_for, note);
}

absl::StatusOr<std::vector<v1::Invite>> Federation::ListInvites() {
  return shared_.table.ListInvites();
}

absl::StatusOr<v1::Invite> Federation::RevokeInvite(const std::string& id) {
  return shared_.table.RevokeInvite(id);
}

absl::Status Federation::Start() {
  absl::StatusOr<std::vector<storage::PeerRecord>> loaded =
      shared_.table.Load();
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
  // What this hub's link records claim already: republished only when
  // the latency moves (LinkLatencyDue), not on every restart.
  std::map<std::string, absl::Duration> claimed;
  for (const std::string& peer : active) {
    absl::StatusOr<std::optional<node::StoredView>> link =
        store_->Get(self_, LinkRecordId(peer));
    if (link.ok() && link->has_value() && (*link)->body.has_peer_link()) {
      claimed[peer] =
          absl::Microseconds((*link)->body.peer_link().latency_micros());
    }
  }
  {
    absl::MutexLock lock(&shared_.mu);
    shared_.system_records_pending = !profile->has_value();
    for (const auto& [peer, latency] : claimed) {
      PeerRuntime& rt = shared_.runtime[peer];
      rt.published_latency = latency;
      rt.latency_published_at = hub_->clock()->Now();
    }
  }
  PublishSystemRecords();
  RebuildTrust();
  for (const std::string& peer : active)
    anti_entropy_.ScheduleRound(peer, absl::ZeroDuration());
  for (const std::string& peer : requested) {
    scheduler_->Run([this, peer] { links_.SendLinkRequest(peer, nullptr); });
  }
  return absl::OkStatus();
}

void Federation::Stop() {
  absl::MutexLock lock(&shared_.mu);
  shared_.stopped = true;
}

void Federation::PublishSystemRecords() {
  std::vector<v1::RecordBody> bodies;
  {
    absl::MutexLock lock(&shared_.mu);
    if (shared_.system_records_pending || !options_.publish_system_records)
      return;
    v1::RecordBody profile;
    profile.set_record_id(std::string(node::kHubProfileRecordId));
    *profile.mutable_hub_profile() = options_.profile;
    bodies.push_back(std::move(profile));
    const absl::Time now = hub_->clock()->Now();
    for (const auto& [key, record] : shared_.table.rows()) {
      if (record.state() != v1::PEER_STATE_ACTIVE) continue;
      PeerRuntime& rt = shared_.runtime[key];
      if (LinkLatencyDue(rt, now)) {
        rt.published_latency = rt.rtt / 2;
        rt.latency_published_at = now;
      }
      v1::RecordBody link;
      link.set_record_id(LinkRecordId(key));
      link.mutable_peer_link()->set_peer(crypto::HubIdOf(key));
      link.mutable_peer_link()->set_link_id(record.link_id());
      link.mutable_peer_link()->set_peer_signature(
          record.peer_link_signature());
      link.mutable_peer_link()->set_latency_micros(static_cast<uint32_t>(
          std::min<int64_t>(node::kMaxLinkLatencyMicros,
                            absl::ToInt64Microseconds(rt.published_latency))));
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
    absl::MutexLock lock(&shared_.mu);
    for (const auto& [key, record] : shared_.table.rows()) {
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
                        link.peer_signature(),
                        absl::Microseconds(link.latency_micros())});
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

void Federation::EndLinkByPeer(const std::string& peer,
                               const std::string& reason) {
  // A failure to save the end is logged by EndLink; the link has ended in
  // memory all the same.
  (void)links_.EndLink(peer, reason, /*tell_peer=*/false);
}

absl::StatusOr<std::vector<v1::Peer>> Federation::ListPeers() {
  absl::StatusOr<Vector> ours = anti_entropy_.CurrentVector();
  if (!ours.ok()) return ours.status();
  std::vector<v1::Peer> out;
  std::vector<std::pair<size_t, Vector>> views;
  {
    absl::MutexLock lock(&shared_.mu);
    for (const auto& [key, record] : shared_.table.rows()) {
      if (record.state() == v1::PEER_STATE_PENDING) continue;
      out.push_back(shared_.PeerViewLocked(record));
      auto rt = shared_.runtime.find(key);
      if (record.state() == v1::PEER_STATE_ACTIVE &&
          rt != shared_.runtime.end() && !rt->second.holds.empty()) {
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
  absl::MutexLock lock(&shared_.mu);
  shared_.table.ExpirePending(options_.pending_expiry);
  std::vector<v1::PendingPeer> out;
  for (const auto& [key, record] : shared_.table.rows()) {
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
  absl::MutexLock lock(&shared_.mu);
  return static_cast<size_t>(std::count_if(
      shared_.table.rows().begin(), shared_.table.rows().end(),
      [state](const auto& p) { return p.second.state() == state; }));
}

std::map<std::string, Federation::AnnounceCounters>
Federation::GetAnnounceCounters() {
  std::map<std::string, AnnounceCounters> out;
  absl::MutexLock lock(&shared_.mu);
  for (const auto& [peer, rt] : shared_.runtime) {
    if (rt.announce_queue_high_water == 0) continue;  // Never announced to.
    AnnounceCounters& c = out[crypto::HubIdOf(peer)];
    c.dropped = rt.announces_dropped;
    c.queue_high_water = rt.announce_queue_high_water;
  }
  return out;
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
    absl::MutexLock lock(&shared_.mu);
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

absl::StatusOr<v1::LinkResponse> Federation::HandleRequestLink(
    const crypto::PublicKey& caller, const v1::LinkRequest& request,
    absl::string_view source) {
  return links_.HandleRequestLink(caller, request, source);
}

absl::StatusOr<v1::LinkAck> Federation::HandleConfirmLink(
    const crypto::PublicKey& caller, const v1::LinkConfirmation& request) {
  return links_.HandleConfirmLink(caller, request);
}

absl::StatusOr<v1::LinkAck> Federation::HandleRemoveLink(
    const crypto::PublicKey& caller, const v1::LinkRemoval& request) {
  return links_.HandleRemoveLink(caller, request);
}

absl::StatusOr<v1::SyncResponse> Federation::HandleSync(
    const crypto::PublicKey& caller, const v1::SyncRequest& request) {
  return anti_entropy_.HandleSync(caller, request);
}

absl::StatusOr<v1::PushResponse> Federation::HandlePush(
    const crypto::PublicKey& caller, const v1::PushRequest& request) {
  {
    absl::MutexLock lock(&shared_.mu);
    if (absl::Status s = RequireActiveLocked(caller); !s.ok()) return s;
  }
  // The pusher keeps the records and sends them again later.
  if (absl::Status s = store_->Writable(); !s.ok()) return s;
  Applied applied =
      anti_entropy_.ApplyFromPeer(caller.bytes(), request.records());
  anti_entropy_.AdvanceForNew(applied.relay_keys);
  if (applied.refused > 0) {
    shared_.NoteError(caller.bytes(),
                      absl::StrCat("push: refused ", applied.refused,
                                   " records: ", applied.first_error));
  }
  if (applied.links_changed) RebuildTrust();
  spreading_.Relay(applied.relay, applied.relay_keys, caller.bytes());
  v1::PushResponse response;
  response.set_applied(static_cast<uint32_t>(applied.relay.size()));
  return response;
}

absl::StatusOr<v1::AnnounceResponse> Federation::HandleAnnounce(
    const crypto::PublicKey& caller, const v1::AnnounceRequest& request) {
  {
    absl::MutexLock lock(&shared_.mu);
    if (absl::Status s = RequireActiveLocked(caller); !s.ok()) return s;
  }
  return spreading_.HandleAnnounce(caller.bytes(), request);
}

absl::StatusOr<v1::FetchResponse> Federation::HandleFetch(
    const crypto::PublicKey& caller, const v1::FetchRequest& request) {
  {
    absl::MutexLock lock(&shared_.mu);
    if (absl::Status s = RequireActiveLocked(caller); !s.ok()) return s;
  }
  return spreading_.HandleFetch(request);
}

void Federation::OnPublished(const v1::Record& record) {
  bool publish_system = false;
  {
    absl::MutexLock lock(&shared_.mu);
    // The admin publishes: the hub is in use, its sequence is its own.
    publish_system = shared_.system_records_pending;
    shared_.system_records_pending = false;
  }
  // This hub's own record, from the publish path: its header comes parsed
  // (reading it from the signed bytes again was 1.6 % of an import).
  spreading_.Relay(
      {record.signed_()},
      {RecordKey(record.body().origin(), record.body().sequence())},
      /*except=*/"");
  if (publish_system) PublishSystemRecords();
}

Applied Federation::ApplyFetched(
    const std::string& peer,
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records) {
  Applied applied = anti_entropy_.ApplyFromPeer(peer, records);
  anti_entropy_.AdvanceForNew(applied.relay_keys);
  if (applied.links_changed) RebuildTrust();
  return applied;
}

}  // namespace civhub::federation
