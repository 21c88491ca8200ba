// Replication, per link: anti-entropy rounds (Sync), push of this hub's own
// new records, announce-then-fetch of records received from others.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "federation/federation.h"
#include "node/records/validate.h"

namespace civhub::federation {
namespace {

// What a sync reply vouches for, per origin: its `covered` entries, and for
// an origin it sent records of without one, the highest sequence sent (the
// peer leaves `covered` out when it is that: the common case). `records`
// are the reply's records' headers (Applied::headers).
std::map<std::string, uint64_t> CoveredBy(
    const v1::SyncResponse& response,
    const std::vector<std::pair<std::string, uint64_t>>& records) {
  std::map<std::string, uint64_t> covered;
  for (const auto& [origin, sequence] : records) {
    uint64_t& through = covered[origin];
    through = std::max(through, sequence);
  }
  for (const v1::OriginWatermark& c : response.covered()) {
    covered[c.origin()] = c.sequence();
  }
  return covered;
}

// (origin, sequence) of a record, read from its body without verifying it.
// Only for records ingest did not verify: this hub's own (from the publish
// path) and those whose signature failed — which still name the origin and
// sequence the peer vouched for, so they hold that origin's watermark back
// and settle the fetch that asked for them.
std::pair<std::string, uint64_t> ReadKey(const v1::SignedRecord& record) {
  v1::RecordBody body;
  if (!body.ParseFromString(record.body())) return {"", 0};
  return {body.origin(), body.sequence()};
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
  // A store that failed a write refuses every record until civhubd is
  // restarted (which starts the rounds again): pulling is wasted, and each
  // round would log the refusals. Peers still pull from this hub.
  if (!store_->Writable().ok()) return;
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
        rt.generation != generation) {
      return;
    }
    if (rt.round_running) {
      // A round of the link as it was before is still out (it was removed
      // and made again, or activated twice): its reply starts this one's.
      if (rt.round_generation != generation) rt.round_after_running = true;
      return;
    }
    if (!vector.ok()) {
      scheduler_->RunAfter(options_.sync_interval, [this, peer, generation] {
        RunRound(peer, generation);
      });
      return;
    }
    rt.round_running = true;
    rt.round_generation = generation;
    rt.round_after_running = false;
    full = !rt.told_known;
    request.set_vector_digest(Digest(*vector));
    *request.mutable_changes() = Changes(full ? Vector() : rt.told, *vector);
    request.set_full(full);
    request.set_max_records(options_.sync_max_records);
    request.set_max_bytes(options_.sync_max_bytes);
    to = AddressOf(it->second);
  }
  transport_->Sync(to, options_.deadlines.sync, std::move(request),
                   [this, peer, generation, sent = *std::move(vector), full,
                    sent_at = hub_->clock()->Now()](
                       absl::StatusOr<v1::SyncResponse> response) mutable {
                     OnSyncResponse(peer, generation, std::move(sent), full,
                                    sent_at, std::move(response));
                   });
}

void Federation::OnSyncResponse(const std::string& peer, uint64_t generation,
                                Vector sent, bool sent_full, absl::Time sent_at,
                                absl::StatusOr<v1::SyncResponse> response) {
  bool stale, resume = false;
  {
    absl::MutexLock lock(&mu_);
    PeerRuntime& rt = runtime_[peer];
    rt.round_running = false;
    if (stopped_) return;
    stale = rt.generation != generation;
    if (stale) {
      resume = std::exchange(rt.round_after_running, false);
    } else if (response.ok()) {
      NoteRttLocked(peer, hub_->clock()->Now() - sent_at);
    }
  }
  if (stale) {
    if (resume) ScheduleRound(peer, absl::ZeroDuration());
    return;
  }
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kPermissionDenied) {
      // Only the peer itself can say this over its pinned connection.
      // A failure to save the end is logged there.
      (void)EndLink(peer,
                    absl::StrCat("removed by the peer (",
                                 response.status().message(), ")"),
                    /*tell_peer=*/false);
      return;
    }
    NoteCallError(peer, "sync", response.status());
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
  const std::map<std::string, uint64_t> covered =
      CoveredBy(*response, applied.keys);
  for (const auto& [origin, sequence] : covered) {
    uint64_t through = sequence;
    auto failure = applied.first_failure.find(origin);
    if (failure != applied.first_failure.end()) {
      through = std::min(through, failure->second - 1);
    }
    // `covered` continues from what this hub told the peer.
    auto told = sent.find(origin);
    const uint64_t from = told == sent.end() ? 0 : told->second;
    if (absl::Status s = store_->AdvanceWatermark(origin, from, through);
        !s.ok()) {
      // The next round asks for these records again.
      spdlog::warn(
          "federation: cannot advance the watermark of {} to {} after a sync "
          "with {}: {}",
          crypto::HubIdOf(origin), through, crypto::HubIdOf(peer),
          s.ToString());
    }
  }
  bool more = response->more();
  {
    absl::MutexLock lock(&mu_);
    PeerRuntime& rt = runtime_[peer];
    // The peer vouched for everything it covered.
    for (const auto& [origin, sequence] : covered) {
      uint64_t& held = rt.holds[origin];
      held = std::max(held, sequence);
    }
    // Mirror of what the peer now believes this hub holds.
    rt.told = std::move(sent);
    for (const auto& [origin, sequence] : covered) {
      rt.told[origin] = sequence;
    }
    rt.told_known = true;
    rt.backoff = absl::ZeroDuration();
    rt.confirming = false;
    storage::PeerRecord& record = peers_[peer];
    record.set_last_sync_micros(absl::ToUnixMicros(hub_->clock()->Now()));
    if (applied.refused > 0) {
      SetErrorLocked(record, absl::StrCat("sync: refused ", applied.refused,
                                          " records: ", applied.first_error));
    } else {
      ClearErrorLocked(record);
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
  Relay(applied.relay, applied.relay_keys, peer);
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
  // Records refused for want of trust (by index), with their error.
  std::vector<std::pair<int, absl::Status>> refused;
  // Each record's header as ingest verified it.
  std::vector<node::IngestedHeader> headers;
  auto take = [&](int i, const absl::StatusOr<node::ApplyOutcome>& outcome) {
    if (!outcome.ok()) {
      refused.emplace_back(i, outcome.status());
      return;
    }
    const node::IngestedHeader& header = headers[static_cast<size_t>(i)];
    if (*outcome == node::ApplyOutcome::kFork) forked.insert(header.origin);
    if (*outcome != node::ApplyOutcome::kApplied) return;
    applied.links_changed |=
        header.kind == v1::RecordBody::kPeerLink ||
        absl::StartsWith(header.record_id, node::kLinkRecordPrefix);
    applied.relay.push_back(records[i]);
    applied.relay_keys.emplace_back(header.origin, header.sequence);
  };
  // Every record is tried even after one of its origin was refused: a later
  // one may be the link record that makes the origin trusted.
  std::vector<node::IngestResult> ingested =
      hub_->IngestMany(records, /*sync=*/false);
  headers.reserve(ingested.size());
  applied.keys.reserve(ingested.size());
  for (node::IngestResult& result : ingested) {
    // A record whose signature failed has no verified header (see ReadKey).
    applied.keys.push_back(
        result.header.origin.empty()
            ? ReadKey(records[static_cast<int>(headers.size())])
            : RecordKey(result.header.origin, result.header.sequence));
    headers.push_back(std::move(result.header));
  }
  for (int i = 0; i < records.size(); ++i) take(i, ingested[i].outcome);
  if (applied.links_changed && !refused.empty()) {
    // This batch connected new hubs: try their records again now rather
    // than a round later. (Refused for want of trust, they were verified:
    // their headers are the first pass's.)
    RebuildTrust();
    std::vector<std::pair<int, absl::Status>> first_pass;
    first_pass.swap(refused);
    for (const auto& [i, status] : first_pass) {
      if (status.code() == absl::StatusCode::kPermissionDenied) {
        take(i, hub_->Ingest(records[i], /*sync=*/false));
      } else {
        refused.emplace_back(i, status);
      }
    }
  }
  // Each origin's watermark stops before its first refused record.
  for (const auto& [i, status] : refused) {
    const auto& [origin, sequence] = applied.keys[static_cast<size_t>(i)];
    auto [it, added] = applied.first_failure.emplace(origin, sequence);
    if (!added) it->second = std::min(it->second, sequence);
    if (applied.refused++ == 0) {
      applied.first_error =
          absl::StrCat("origin ", crypto::HubIdOf(origin), " sequence ",
                       sequence, ": ", status.message());
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
  // This hub's own record, from the publish path rather than ingest: its
  // header is read here.
  Relay({record}, {ReadKey(record)}, /*except=*/"");
  if (publish_system) PublishSystemRecords();
}

void Federation::Relay(const std::vector<v1::SignedRecord>& records,
                       const std::vector<RecordKey>& keys,
                       const std::string& except) {
  if (records.empty()) return;
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  // Peers that announced a record hold it: they need no announce back.
  std::vector<std::vector<std::string>> holders(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto it = wanted_.find(keys[i]);
    if (it == wanted_.end()) continue;
    holders[i] = it->second.announcers;
    // Fetches still out are settled by their replies.
    it->second.stored = true;
    if (it->second.asking.empty()) wanted_.erase(it);
  }
  for (auto& [key, record] : peers_) {
    if (key == except || record.state() != v1::PEER_STATE_ACTIVE) continue;
    PeerRuntime& rt = runtime_[key];
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& [origin, sequence] = keys[i];
      auto it = rt.holds.find(origin);
      if (it != rt.holds.end() && it->second >= sequence) continue;
      if (std::find(holders[i].begin(), holders[i].end(), key) !=
          holders[i].end()) {
        continue;
      }
      if (origin == self_) {
        rt.push_queue.push_back(records[i]);
      } else {
        rt.announce_queue.emplace_back(origin, sequence);
      }
    }
    SendPushes(key);
    SendAnnounces(key);
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
  transport_->Push(AddressOf(peers_[peer]), options_.deadlines.push,
                   std::move(request),
                   [this, peer](absl::StatusOr<v1::PushResponse> response) {
                     OnPushResponse(peer, std::move(response));
                   });
}

void Federation::OnPushResponse(const std::string& peer,
                                absl::StatusOr<v1::PushResponse> response) {
  if (!response.ok()) {
    NoteCallError(peer, "push", response.status());
  }
  absl::MutexLock lock(&mu_);
  PeerRuntime& rt = runtime_[peer];
  rt.push_in_flight = false;
  if (stopped_) return;
  // On failure anti-entropy catches the peer up; drop what was queued.
  if (!response.ok()) rt.push_queue.clear();
  SendPushes(peer);
}

void Federation::SendAnnounces(const std::string& peer) {
  PeerRuntime& rt = runtime_[peer];
  if (rt.announce_in_flight || rt.announce_queue.empty()) return;
  v1::AnnounceRequest request;
  std::vector<RecordKey> batch;
  while (!rt.announce_queue.empty() && batch.size() < options_.announce_batch) {
    batch.push_back(std::move(rt.announce_queue.front()));
    rt.announce_queue.pop_front();
    v1::SequenceRef* ref = request.add_records();
    ref->set_origin(batch.back().first);
    ref->set_sequence(batch.back().second);
  }
  rt.announce_in_flight = true;
  transport_->Announce(
      AddressOf(peers_[peer]), options_.deadlines.announce, std::move(request),
      [this, peer, batch = std::move(batch)](
          absl::StatusOr<v1::AnnounceResponse> response) mutable {
        OnAnnounceResponse(peer, std::move(batch), std::move(response));
      });
}

void Federation::OnAnnounceResponse(
    const std::string& peer, std::vector<RecordKey> asked,
    absl::StatusOr<v1::AnnounceResponse> response) {
  if (!response.ok()) {
    NoteCallError(peer, "announce", response.status());
  }
  absl::MutexLock lock(&mu_);
  PeerRuntime& rt = runtime_[peer];
  rt.announce_in_flight = false;
  if (stopped_) return;
  if (!response.ok()) {
    // Once more (a lost message), then anti-entropy's turn.
    if (rt.announce_retry.empty()) {
      rt.announce_retry = std::move(asked);
      rt.announce_queue.insert(rt.announce_queue.begin(),
                               rt.announce_retry.begin(),
                               rt.announce_retry.end());
    } else {
      rt.announce_retry.clear();
      rt.announce_queue.clear();
    }
  } else {
    rt.announce_retry.clear();
  }
  SendAnnounces(peer);
}

void Federation::SendFetches(const std::string& peer) {
  PeerRuntime& rt = runtime_[peer];
  if (rt.fetch_in_flight) return;
  auto it = peers_.find(peer);
  if (it == peers_.end() || it->second.state() != v1::PEER_STATE_ACTIVE) {
    // The link ended: other announcers, or anti-entropy, deliver these.
    std::set<std::string> to_send;
    for (const RecordKey& key : rt.fetch_queue) {
      auto w = wanted_.find(key);
      if (w == wanted_.end() || w->second.asking.erase(peer) == 0) continue;
      Wanted& wanted = w->second;
      wanted.announcers.erase(
          std::remove(wanted.announcers.begin(), wanted.announcers.end(), peer),
          wanted.announcers.end());
      if (wanted.asking.empty() &&
          (wanted.stored || !AskNextLocked(key, wanted, &to_send))) {
        wanted_.erase(w);
      }
    }
    rt.fetch_queue.clear();
    to_send.erase(peer);
    for (const std::string& p : to_send) SendFetches(p);
    return;
  }
  v1::FetchRequest request;
  std::vector<RecordKey> asked;
  while (!rt.fetch_queue.empty() && asked.size() < options_.push_batch) {
    RecordKey key = std::move(rt.fetch_queue.front());
    rt.fetch_queue.pop_front();
    auto w = wanted_.find(key);
    if (w == wanted_.end() || w->second.asking.count(peer) == 0) continue;
    if (w->second.stored) {  // Arrived meanwhile (a round, a push).
      w->second.asking.erase(peer);
      if (w->second.asking.empty()) wanted_.erase(w);
      continue;
    }
    v1::SequenceRef* ref = request.add_records();
    ref->set_origin(key.first);
    ref->set_sequence(key.second);
    asked.push_back(std::move(key));
  }
  if (asked.empty()) return;
  rt.fetch_in_flight = true;
  scheduler_->RunAfter(HedgeDelayLocked(peer),
                       [this, peer, asked] { Hedge(peer, asked); });
  transport_->Fetch(
      AddressOf(it->second), options_.deadlines.fetch, std::move(request),
      [this, peer, asked = std::move(asked), sent = hub_->clock()->Now()](
          absl::StatusOr<v1::FetchResponse> response) mutable {
        OnFetchResponse(peer, std::move(asked), sent, std::move(response));
      });
}

bool Federation::AskNextLocked(const RecordKey& key, Wanted& wanted,
                               std::set<std::string>* to_send) {
  for (const std::string& next : wanted.announcers) {
    if (wanted.asking.count(next) > 0) continue;
    wanted.asking.insert(next);
    runtime_[next].fetch_queue.push_back(key);
    to_send->insert(next);
    return true;
  }
  return false;
}

absl::Duration Federation::HedgeDelayLocked(const std::string& peer) {
  // Three of the peer's round trips; a second while it is unknown.
  const absl::Duration rtt = runtime_[peer].rtt;
  return rtt == absl::ZeroDuration()
             ? absl::Seconds(1)
             : std::clamp(rtt * 3, absl::Milliseconds(50), absl::Seconds(2));
}

void Federation::Hedge(const std::string& peer,
                       const std::vector<RecordKey>& asked) {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  std::set<std::string> to_send;
  std::vector<RecordKey> waiting;  // For another announcer to turn up.
  for (const RecordKey& key : asked) {
    auto it = wanted_.find(key);
    if (it == wanted_.end() || it->second.stored ||
        it->second.asking.count(peer) == 0) {
      continue;  // Arrived, or this fetch is settled.
    }
    if (!AskNextLocked(key, it->second, &to_send)) waiting.push_back(key);
  }
  for (const std::string& p : to_send) SendFetches(p);
  if (!waiting.empty()) {
    scheduler_->RunAfter(
        HedgeDelayLocked(peer),
        [this, peer, waiting = std::move(waiting)] { Hedge(peer, waiting); });
  }
}

void Federation::NoteRttLocked(const std::string& peer, absl::Duration sample) {
  absl::Duration& rtt = runtime_[peer].rtt;
  rtt = rtt == absl::ZeroDuration() ? sample : (rtt * 7 + sample) / 8;
}

void Federation::OnFetchResponse(const std::string& peer,
                                 std::vector<RecordKey> asked, absl::Time sent,
                                 absl::StatusOr<v1::FetchResponse> response) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  Applied applied;
  std::set<RecordKey> received;
  if (response.ok()) {
    applied = ApplyFromPeer(peer, response->records());
    AdvanceForNew(applied.relay_keys);
    if (applied.links_changed) RebuildTrust();
    received.insert(applied.keys.begin(), applied.keys.end());
  } else {
    NoteCallError(peer, "fetch", response.status());
  }
  // Marks what arrived as stored and announces it (not to its announcers).
  Relay(applied.relay, applied.relay_keys, peer);
  absl::MutexLock lock(&mu_);
  runtime_[peer].fetch_in_flight = false;
  if (response.ok()) NoteRttLocked(peer, hub_->clock()->Now() - sent);
  std::set<std::string> to_send = {peer};
  for (const RecordKey& key : asked) {
    auto it = wanted_.find(key);
    if (it == wanted_.end()) continue;
    Wanted& w = it->second;
    w.asking.erase(peer);
    if (received.count(key) > 0 && !w.stored) {
      // Received but refused: anti-entropy decides again later.
      w.stored = true;
    }
    if (!w.stored) {
      // The peer failed or no longer holds it: not asked again.
      w.announcers.erase(
          std::remove(w.announcers.begin(), w.announcers.end(), peer),
          w.announcers.end());
      if (!w.asking.empty() || AskNextLocked(key, w, &to_send)) continue;
    }
    if (w.asking.empty()) wanted_.erase(it);
  }
  for (const std::string& p : to_send) SendFetches(p);
}

void Federation::AdvanceForNew(const std::vector<RecordKey>& stored) {
  for (const auto& [origin, sequence] : stored) {
    if (absl::Status s =
            store_->AdvanceWatermark(origin, sequence - 1, sequence);
        !s.ok()) {
      // Anti-entropy's next round covers it again.
      spdlog::warn("federation: cannot advance the watermark of {} to {}: {}",
                   crypto::HubIdOf(origin), sequence, s.ToString());
    }
  }
}

}  // namespace civhub::federation
