// Replication: anti-entropy rounds (Sync) and eager push, both per link.
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "federation/federation.h"
#include "node/validate.h"

namespace civhub::federation {
namespace {

// Header fields of a record, read without trusting it (for bookkeeping of
// records that failed verification).
struct Header {
  std::string origin;
  uint64_t sequence = 0;
  bool link_record = false;
};

Header ReadHeader(const v1::SignedRecord& record) {
  Header h;
  v1::RecordBody body;
  if (body.ParseFromString(record.body())) {
    h.origin = body.origin();
    h.sequence = body.sequence();
    h.link_record = body.has_peer_link() ||
                    absl::StartsWith(body.record_id(), node::kLinkRecordPrefix);
  }
  return h;
}

}  // namespace

absl::StatusOr<Vector> Federation::CurrentVector() const {
  absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
      origins = store_->Origins();
  if (!origins.ok()) return origins.status();
  Vector vector;
  for (const auto& [origin, state] : *origins) {
    uint64_t seq = state.blocked()   ? kBlocked
                   : origin == self_ ? state.max_sequence()
                                     : state.complete_through();
    if (seq != 0) vector[origin] = seq;
  }
  return vector;
}

void Federation::ScheduleRound(const std::string& peer, absl::Duration delay) {
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    generation = runtime_[peer].generation;
  }
  scheduler_->RunAfter(
      delay, [this, peer, generation] { RunRound(peer, generation); });
}

void Federation::RunRound(const std::string& peer, uint64_t generation) {
  {
    // Checked before touching the store: a stopped federation's store may
    // be gone (a restarted hub's old instance).
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  absl::StatusOr<Vector> vector = CurrentVector();
  v1::SyncRequest request;
  PeerAddress to{hub_->id(), ""};
  bool full;
  {
    absl::MutexLock lock(&mu_);
    auto it = peers_.find(peer);
    PeerRuntime& rt = runtime_[peer];
    if (stopped_ || it == peers_.end() ||
        it->second.state() != v1::PEER_STATE_ACTIVE ||
        rt.generation != generation || rt.round_running) {
      return;
    }
    if (!vector.ok()) {
      scheduler_->RunAfter(options_.sync_interval, [this, peer, generation] {
        RunRound(peer, generation);
      });
      return;
    }
    rt.round_running = true;
    full = !rt.told_known;
    request.set_vector_digest(Digest(*vector));
    *request.mutable_changes() = Changes(full ? Vector() : rt.told, *vector);
    request.set_full(full);
    request.set_max_records(options_.sync_max_records);
    request.set_max_bytes(options_.sync_max_bytes);
    to = AddressOf(it->second);
  }
  transport_->Sync(to, std::move(request),
                   [this, peer, generation, sent = *std::move(vector),
                    full](absl::StatusOr<v1::SyncResponse> response) mutable {
                     OnSyncResponse(peer, generation, std::move(sent), full,
                                    std::move(response));
                   });
}

void Federation::OnSyncResponse(const std::string& peer, uint64_t generation,
                                Vector sent, bool sent_full,
                                absl::StatusOr<v1::SyncResponse> response) {
  {
    absl::MutexLock lock(&mu_);
    PeerRuntime& rt = runtime_[peer];
    rt.round_running = false;
    if (stopped_ || rt.generation != generation) return;
  }
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kPermissionDenied) {
      // Only the peer itself can say this over its pinned connection.
      EndLink(peer,
              absl::StrCat("removed by the peer (", response.status().message(),
                           ")"),
              /*tell_peer=*/false);
      return;
    }
    NoteError(peer, absl::StrCat("sync: ", response.status().message()));
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      PeerRuntime& rt = runtime_[peer];
      rt.backoff = std::min(options_.max_backoff,
                            std::max(options_.sync_interval, rt.backoff * 2));
      delay = Jitter(rt.backoff);
      // The peer may have restarted: send the whole vector next time.
      rt.told_known = false;
    }
    ScheduleRound(peer, delay);
    return;
  }
  if (response->need_full_vector()) {
    {
      absl::MutexLock lock(&mu_);
      runtime_[peer].told_known = false;
    }
    if (sent_full) {
      NoteError(peer, "sync: the peer could not rebuild a full vector");
      ScheduleRound(peer, options_.max_backoff);
    } else {
      ScheduleRound(peer, absl::ZeroDuration());
    }
    return;
  }

  Applied applied = ApplyFromPeer(peer, response->records());
  for (const v1::OriginWatermark& covered : response->covered()) {
    uint64_t through = covered.sequence();
    auto failure = applied.first_failure.find(covered.origin());
    if (failure != applied.first_failure.end()) {
      through = std::min(through, failure->second - 1);
    }
    // `covered` continues from what this hub told the peer.
    auto told = sent.find(covered.origin());
    const uint64_t from = told == sent.end() ? 0 : told->second;
    (void)store_->AdvanceWatermark(covered.origin(), from, through);
  }
  bool more = response->more();
  {
    absl::MutexLock lock(&mu_);
    PeerRuntime& rt = runtime_[peer];
    // The peer vouched for everything it covered.
    for (const v1::OriginWatermark& covered : response->covered()) {
      uint64_t& held = rt.holds[covered.origin()];
      held = std::max(held, covered.sequence());
    }
    // Mirror of what the peer now believes this hub holds.
    rt.told = std::move(sent);
    for (const v1::OriginWatermark& covered : response->covered()) {
      rt.told[covered.origin()] = covered.sequence();
    }
    rt.told_known = true;
    rt.backoff = absl::ZeroDuration();
    storage::PeerRecord& record = peers_[peer];
    record.set_last_sync_micros(absl::ToUnixMicros(hub_->clock()->Now()));
    if (applied.refused > 0) {
      record.set_last_error(absl::StrCat("sync: refused ", applied.refused,
                                         " records: ", applied.first_error));
      record.set_last_error_micros(record.last_sync_micros());
    } else {
      record.set_last_error("");
    }
  }
  if (applied.links_changed) {
    RebuildTrust();
    // Records refused for want of trust may be accepted now.
    more |= applied.refused > 0;
  }
  bool publish_system = false;
  {
    absl::MutexLock lock(&mu_);
    // A first round with a peer returned whatever it held of this hub's
    // own records; its sequence continues from there.
    publish_system = system_records_pending_ && !more;
    if (publish_system) system_records_pending_ = false;
  }
  if (publish_system) PublishSystemRecords();
  Relay(applied.relay, peer);
  ScheduleRound(
      peer, more ? absl::ZeroDuration() : [&] {
        absl::MutexLock lock(&mu_);
        return Jitter(options_.sync_interval);
      }());
}

Federation::Applied Federation::ApplyFromPeer(
    const std::string& peer,
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records) {
  Applied applied;
  std::set<std::string> forked;
  // Records refused for want of trust, with their error.
  std::vector<std::pair<const v1::SignedRecord*, absl::Status>> refused;
  auto ingest = [&](const v1::SignedRecord& record) {
    Header header = ReadHeader(record);
    absl::StatusOr<node::ApplyOutcome> outcome =
        hub_->Ingest(record, /*sync=*/false);
    if (!outcome.ok()) {
      refused.emplace_back(&record, outcome.status());
      return;
    }
    if (*outcome == node::ApplyOutcome::kFork) forked.insert(header.origin);
    if (*outcome != node::ApplyOutcome::kApplied) return;
    applied.links_changed |= header.link_record;
    applied.relay.push_back(record);
  };
  // Every record is tried even after one of its origin was refused: a later
  // one may be the link record that makes the origin trusted.
  for (const v1::SignedRecord& record : records) ingest(record);
  if (applied.links_changed && !refused.empty()) {
    // This batch connected new hubs: try their records again now rather
    // than a round later.
    RebuildTrust();
    std::vector<std::pair<const v1::SignedRecord*, absl::Status>> first_pass;
    first_pass.swap(refused);
    for (const auto& [record, status] : first_pass) {
      if (status.code() == absl::StatusCode::kPermissionDenied) {
        ingest(*record);
      } else {
        refused.emplace_back(record, status);
      }
    }
  }
  // Each origin's watermark stops before its first refused record.
  for (const auto& [record, status] : refused) {
    Header header = ReadHeader(*record);
    auto [it, added] =
        applied.first_failure.emplace(header.origin, header.sequence);
    if (!added) it->second = std::min(it->second, header.sequence);
    if (applied.refused++ == 0) {
      applied.first_error =
          absl::StrCat("origin ", crypto::HubIdOf(header.origin), " sequence ",
                       header.sequence, ": ", status.message());
    }
  }
  if (!forked.empty()) {
    spdlog::warn("federation: {} relayed fork evidence for {} origin(s)",
                 crypto::HubIdOf(peer), forked.size());
    absl::MutexLock lock(&mu_);
    runtime_[peer].forked_origins.insert(forked.begin(), forked.end());
  }
  if (applied.refused > 0) {
    spdlog::warn("federation: refused {} record(s) from {}: {}",
                 applied.refused, crypto::HubIdOf(peer), applied.first_error);
  }
  return applied;
}

void Federation::OnPublished(const v1::SignedRecord& record) {
  bool publish_system = false;
  {
    absl::MutexLock lock(&mu_);
    // The admin publishes: the hub is in use, its sequence is its own.
    publish_system = system_records_pending_;
    system_records_pending_ = false;
  }
  Relay({record}, /*except=*/"");
  if (publish_system) PublishSystemRecords();
}

void Federation::Relay(const std::vector<v1::SignedRecord>& records,
                       const std::string& except) {
  if (records.empty()) return;
  std::vector<Header> headers;
  headers.reserve(records.size());
  for (const v1::SignedRecord& r : records) headers.push_back(ReadHeader(r));
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  for (auto& [key, record] : peers_) {
    if (key == except || record.state() != v1::PEER_STATE_ACTIVE) continue;
    PeerRuntime& rt = runtime_[key];
    for (size_t i = 0; i < records.size(); ++i) {
      auto it = rt.holds.find(headers[i].origin);
      if (it != rt.holds.end() && it->second >= headers[i].sequence)
        continue;  // Has it.
      rt.push_queue.push_back(records[i]);
    }
    SendPushes(key);
  }
}

void Federation::SendPushes(const std::string& peer) {
  PeerRuntime& rt = runtime_[peer];
  if (rt.push_in_flight || rt.push_queue.empty()) return;
  v1::PushRequest request;
  while (!rt.push_queue.empty() &&
         static_cast<size_t>(request.records_size()) < options_.push_batch) {
    *request.add_records() = std::move(rt.push_queue.front());
    rt.push_queue.pop_front();
  }
  rt.push_in_flight = true;
  transport_->Push(AddressOf(peers_[peer]), std::move(request),
                   [this, peer](absl::StatusOr<v1::PushResponse> response) {
                     OnPushResponse(peer, std::move(response));
                   });
}

void Federation::OnPushResponse(const std::string& peer,
                                absl::StatusOr<v1::PushResponse> response) {
  if (!response.ok()) {
    NoteError(peer, absl::StrCat("push: ", response.status().message()));
  }
  absl::MutexLock lock(&mu_);
  PeerRuntime& rt = runtime_[peer];
  rt.push_in_flight = false;
  if (stopped_) return;
  // On failure anti-entropy catches the peer up; drop what was queued.
  if (!response.ok()) rt.push_queue.clear();
  SendPushes(peer);
}

absl::StatusOr<v1::SyncResponse> Federation::HandleSync(
    const crypto::PublicKey& caller, const v1::SyncRequest& request) {
  const std::string peer = caller.bytes();
  Vector theirs;
  v1::SyncResponse response;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = RequireActive(caller); !s.ok()) return s;
    PeerRuntime& rt = runtime_[peer];
    theirs = Apply(rt.view_known && !request.full() ? rt.view : Vector(),
                   request.changes());
    if (Digest(theirs) != request.vector_digest()) {
      rt.view_known = false;
      response.set_need_full_vector(true);
      return response;
    }
  }
  absl::StatusOr<Vector> ours = CurrentVector();
  if (!ours.ok()) return ours.status();
  size_t records_left =
      std::min<uint32_t>(request.max_records() == 0 ? options_.sync_max_records
                                                    : request.max_records(),
                         options_.sync_max_records);
  size_t bytes_left = std::min<uint32_t>(
      request.max_bytes() == 0 ? options_.sync_max_bytes : request.max_bytes(),
      options_.sync_max_bytes);
  // Origins the caller lacks records of. Each gets an equal share of the
  // reply's limits, so one origin's backlog cannot crowd out the others:
  // the caller may refuse an origin until another origin's link records
  // arrive, and those must get through.
  std::vector<std::pair<std::string, uint64_t>> wanted;  // (origin, have)
  for (const auto& [origin, seq] : *ours) {
    if (seq == kBlocked) continue;
    auto it = theirs.find(origin);
    const uint64_t have = it == theirs.end() ? 0 : it->second;
    if (have != kBlocked && have < seq) wanted.emplace_back(origin, have);
  }
  const size_t n = std::max<size_t>(1, wanted.size());
  const size_t records_share = std::max<size_t>(1, records_left / n);
  const size_t bytes_share = std::max<size_t>(1, bytes_left / n);
  for (const auto& [origin, have] : wanted) {
    absl::StatusOr<node::Store::SequenceBatch> batch = store_->RecordsAfter(
        origin, have, ours->at(origin), records_share, bytes_share);
    if (!batch.ok()) return batch.status();
    for (v1::SignedRecord& r : batch->records)
      *response.add_records() = std::move(r);
    if (batch->last > have) {
      v1::OriginWatermark* covered = response.add_covered();
      covered->set_origin(origin);
      covered->set_sequence(batch->last);
      theirs[origin] = batch->last;
    }
    if (!batch->complete) response.set_more(true);
  }
  absl::MutexLock lock(&mu_);
  PeerRuntime& rt = runtime_[peer];
  for (const auto& [origin, seq] : theirs) {
    uint64_t& held = rt.holds[origin];
    held = std::max(held, seq);
  }
  rt.view = std::move(theirs);
  rt.view_known = true;
  return response;
}

absl::StatusOr<v1::PushResponse> Federation::HandlePush(
    const crypto::PublicKey& caller, const v1::PushRequest& request) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status s = RequireActive(caller); !s.ok()) return s;
  }
  Applied applied = ApplyFromPeer(caller.bytes(), request.records());
  // A pushed record right after what this hub holds extends its prefix.
  for (const v1::SignedRecord& record : applied.relay) {
    Header h = ReadHeader(record);
    (void)store_->AdvanceWatermark(h.origin, h.sequence - 1, h.sequence);
  }
  if (applied.refused > 0) {
    NoteError(caller.bytes(), absl::StrCat("push: refused ", applied.refused,
                                           " records: ", applied.first_error));
  }
  if (applied.links_changed) RebuildTrust();
  Relay(applied.relay, caller.bytes());
  v1::PushResponse response;
  response.set_applied(static_cast<uint32_t>(applied.relay.size()));
  return response;
}

}  // namespace civhub::federation
