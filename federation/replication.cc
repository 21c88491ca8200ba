// Replication, per link: anti-entropy rounds (Sync) and applying the
// records peers send (push, announce-then-fetch are Spreading's).
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
    auto it = table_.rows().find(peer);
    PeerRuntime& rt = runtime_[peer];
    if (stopped_ || it == table_.rows().end() ||
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
      NoteRtt(runtime_[peer], hub_->clock()->Now() - sent_at);
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
    storage::PeerRecord& record = table_.rows()[peer];
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
  spreading_.Relay(applied.relay, applied.relay_keys, peer);
  ScheduleRound(
      peer, more ? absl::ZeroDuration() : [&] {
        absl::MutexLock lock(&mu_);
        return Jitter(options_.sync_interval);
      }());
}

Applied Federation::ApplyFromPeer(
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
  spreading_.Relay({record}, {ReadKey(record)}, /*except=*/"");
  if (publish_system) PublishSystemRecords();
}

Applied Federation::ApplyFetched(
    const std::string& peer,
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& records) {
  Applied applied = ApplyFromPeer(peer, records);
  AdvanceForNew(applied.relay_keys);
  if (applied.links_changed) RebuildTrust();
  return applied;
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
