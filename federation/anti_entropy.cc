// AntiEntropy: rounds (the calling side: Sync requests and their replies),
// the serving side (HandleSync), and applying the records peers send.
#include "federation/anti_entropy.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

}  // namespace

AntiEntropy::AntiEntropy(Host* host, SharedState* shared, node::Hub* hub,
                         const TrustGraph* trust, Scheduler* scheduler,
                         Transport* transport, const FederationOptions* options,
                         std::string self)
    : host_(host),
      shared_(shared),
      hub_(hub),
      store_(hub->store()),
      trust_(trust),
      scheduler_(scheduler),
      transport_(transport),
      options_(options),
      self_(std::move(self)),
      pull_(this, shared, store_, trust, transport, options, self_) {}

absl::StatusOr<Vector> AntiEntropy::CurrentVector() const {
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

void AntiEntropy::ScheduleRound(const std::string& peer, absl::Duration delay) {
  uint64_t generation;
  {
    absl::MutexLock lock(&shared_->mu);
    if (shared_->stopped) return;
    generation = shared_->runtime[peer].generation;
  }
  scheduler_->RunAfter(
      delay, [this, peer, generation] { RunRound(peer, generation); });
}

void AntiEntropy::RunRound(const std::string& peer, uint64_t generation) {
  {
    // Checked before touching the store: a stopped federation's store may
    // be gone (a restarted hub's old instance).
    absl::MutexLock lock(&shared_->mu);
    if (shared_->stopped) return;
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
    absl::MutexLock lock(&shared_->mu);
    auto it = shared_->table.rows().find(peer);
    PeerRuntime& rt = shared_->runtime[peer];
    if (shared_->stopped || it == shared_->table.rows().end() ||
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
      scheduler_->RunAfter(options_->sync_interval, [this, peer, generation] {
        RunRound(peer, generation);
      });
      return;
    }
    rt.round_running = true;
    rt.round_generation = generation;
    rt.round_after_running = false;
    full = !rt.told_known;
    // Origins being pulled are stated as held through the pull's target:
    // the peer would otherwise send their records again.
    pull_.ClaimLocked(*vector);
    request.set_vector_digest(Digest(*vector));
    *request.mutable_changes() = Changes(full ? Vector() : rt.told, *vector);
    request.set_full(full);
    request.set_max_records(options_->sync_max_records);
    request.set_max_bytes(options_->sync_max_bytes);
    to = AddressOf(it->second);
  }
  transport_->Sync(to, options_->deadlines.sync, std::move(request),
                   [this, peer, generation, sent = *std::move(vector), full,
                    sent_at = hub_->clock()->Now()](
                       absl::StatusOr<v1::SyncResponse> response) mutable {
                     OnSyncResponse(peer, generation, std::move(sent), full,
                                    sent_at, std::move(response));
                   });
}

void AntiEntropy::OnSyncResponse(const std::string& peer, uint64_t generation,
                                 Vector sent, bool sent_full,
                                 absl::Time sent_at,
                                 absl::StatusOr<v1::SyncResponse> response) {
  bool stale, resume = false, latency_due = false;
  {
    absl::MutexLock lock(&shared_->mu);
    PeerRuntime& rt = shared_->runtime[peer];
    rt.round_running = false;
    if (shared_->stopped) return;
    stale = rt.generation != generation;
    if (stale) {
      resume = std::exchange(rt.round_after_running, false);
    } else if (response.ok()) {
      NoteRtt(shared_->runtime[peer], hub_->clock()->Now() - sent_at);
      latency_due = LinkLatencyDue(rt, hub_->clock()->Now());
    }
  }
  if (stale) {
    if (resume) ScheduleRound(peer, absl::ZeroDuration());
    return;
  }
  // The link's measured latency moved: its link record says so (the
  // weight of the link in every hub's trees).
  if (latency_due) host_->PublishSystemRecords();
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kPermissionDenied) {
      // Only the peer itself can say this over its pinned connection.
      host_->EndLinkByPeer(peer,
                           absl::StrCat("removed by the peer (",
                                        response.status().message(), ")"));
      return;
    }
    shared_->NoteCallError(peer, "sync", response.status());
    absl::Duration delay;
    {
      absl::MutexLock lock(&shared_->mu);
      PeerRuntime& rt = shared_->runtime[peer];
      rt.backoff = std::min(options_->max_backoff,
                            std::max(options_->sync_interval, rt.backoff * 2));
      delay = shared_->JitterLocked(rt.backoff);
      // The peer may have restarted: send the whole vector next time.
      rt.told_known = false;
    }
    ScheduleRound(peer, delay);
    return;
  }
  if (response->need_full_vector()) {
    {
      absl::MutexLock lock(&shared_->mu);
      shared_->runtime[peer].told_known = false;
    }
    if (sent_full) {
      shared_->NoteError(peer,
                         "sync: the peer could not rebuild a full vector");
      ScheduleRound(peer, options_->max_backoff);
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
    absl::MutexLock lock(&shared_->mu);
    PeerRuntime& rt = shared_->runtime[peer];
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
    storage::PeerRecord& record = shared_->table.rows()[peer];
    record.set_last_sync_micros(absl::ToUnixMicros(hub_->clock()->Now()));
    if (applied.refused > 0) {
      shared_->SetErrorLocked(record,
                              absl::StrCat("sync: refused ", applied.refused,
                                           " records: ", applied.first_error));
    } else {
      shared_->ClearErrorLocked(record);
    }
  }
  if (applied.links_changed) {
    host_->RebuildTrust();
    // Records refused for want of trust may be accepted now.
    more |= applied.refused > 0;
  }
  bool publish_system = false;
  {
    absl::MutexLock lock(&shared_->mu);
    // A first round with a peer returned whatever it held of this hub's
    // own records; its sequence continues from there.
    publish_system = shared_->system_records_pending && !more;
    if (publish_system) shared_->system_records_pending = false;
  }
  if (publish_system) host_->PublishSystemRecords();
  host_->Relay(applied.relay, applied.relay_keys, peer);
  // A backlog: pulled by ranges, several at once (a no-op if no peer holds
  // more than a round's worth of an origin beyond this hub's watermark).
  pull_.Consider(peer, response->more());
  ScheduleRound(
      peer, more ? absl::ZeroDuration() : [&] {
        absl::MutexLock lock(&shared_->mu);
        return shared_->JitterLocked(options_->sync_interval);
      }());
}

Applied AntiEntropy::ApplyFromPeer(
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
    host_->RebuildTrust();
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
    absl::MutexLock lock(&shared_->mu);
    shared_->runtime[peer].forked_origins.insert(forked.begin(), forked.end());
  }
  if (applied.refused > 0) {
    spdlog::warn("federation: refused {} record(s) from {}: {}",
                 applied.refused, crypto::HubIdOf(peer), applied.first_error);
  }
  return applied;
}

absl::StatusOr<v1::SyncResponse> AntiEntropy::HandleSync(
    const crypto::PublicKey& caller, const v1::SyncRequest& request) {
  const std::string peer = caller.bytes();
  Vector theirs;
  v1::SyncResponse response;
  {
    absl::MutexLock lock(&shared_->mu);
    if (absl::Status s = host_->RequireActiveLocked(caller); !s.ok()) return s;
    PeerRuntime& rt = shared_->runtime[peer];
    if (!request.has_range()) {
      theirs = Apply(rt.view_known && !request.full() ? rt.view : Vector(),
                     request.changes());
      if (Digest(theirs) != request.vector_digest()) {
        rt.view_known = false;
        response.set_need_full_vector(true);
        return response;
      }
    }
  }
  if (request.has_range()) return ServeRange(request);
  absl::StatusOr<Vector> ours = CurrentVector();
  if (!ours.ok()) return ours.status();
  size_t records_left =
      std::min<uint32_t>(request.max_records() == 0 ? options_->sync_max_records
                                                    : request.max_records(),
                         options_->sync_max_records);
  size_t bytes_left = std::min<uint32_t>(
      request.max_bytes() == 0 ? options_->sync_max_bytes : request.max_bytes(),
      options_->sync_max_bytes);
  // Origins the caller lacks records of. Each gets an equal share of the
  // reply's limits, so one origin's backlog cannot crowd out the others:
  // the caller may refuse an origin until another origin's link records
  // arrive, and those must get through.
  std::vector<std::pair<std::string, uint64_t>> wanted;  // (origin, have)
  for (const auto& [origin, seq] : *ours) {
    if (seq == kBlocked) continue;
    // Records of an origin this hub no longer trusts (it left the network:
    // its links were removed) stay where they are but are not passed on;
    // the caller would refuse them, round after round.
    if (origin != self_ && !trust_->Trusted(origin)) continue;
    auto it = theirs.find(origin);
    const uint64_t have = it == theirs.end() ? 0 : it->second;
    if (have != kBlocked && have < seq) wanted.emplace_back(origin, have);
  }
  // Passes: each origin gets what is left divided by the origins still to
  // serve (what a small backlog leaves goes to those after it); origins
  // that were cut share what remains in the next pass.
  std::map<std::string, uint64_t> covered;    // origin -> sequence
  std::map<std::string, uint64_t> last_sent;  // origin -> sequence
  for (bool progress = true;
       progress && !wanted.empty() && records_left > 0 && bytes_left > 0;) {
    progress = false;
    std::vector<std::pair<std::string, uint64_t>> cut;
    size_t remaining = wanted.size();
    for (const auto& [origin, have] : wanted) {
      const size_t records_share = records_left / remaining;
      const size_t bytes_share = bytes_left / remaining;
      --remaining;
      if (records_share == 0 || bytes_share == 0) {
        cut.emplace_back(origin, have);
        continue;
      }
      absl::StatusOr<node::Store::SequenceBatch> batch = store_->RecordsAfter(
          origin, have, ours->at(origin), records_share, bytes_share);
      if (!batch.ok()) return batch.status();
      if (!batch->records.empty()) last_sent[origin] = batch->last_returned;
      for (v1::SignedRecord& r : batch->records) {
        records_left -= std::min<size_t>(records_left, 1);
        bytes_left -= std::min(bytes_left, r.ByteSizeLong());
        *response.add_records() = std::move(r);
      }
      if (batch->last > have) {
        covered[origin] = batch->last;
        progress = true;
      }
      if (!batch->complete) cut.emplace_back(origin, batch->last);
    }
    wanted = std::move(cut);
  }
  if (!wanted.empty()) response.set_more(true);
  for (const auto& [origin, sequence] : covered) {
    theirs[origin] = sequence;
    // The caller infers it from the records (CoveredBy): 41 bytes saved
    // per origin, most of a small reply's overhead.
    auto sent = last_sent.find(origin);
    if (sent != last_sent.end() && sent->second == sequence) continue;
    v1::OriginWatermark* c = response.add_covered();
    c->set_origin(origin);
    c->set_sequence(sequence);
  }
  absl::MutexLock lock(&shared_->mu);
  PeerRuntime& rt = shared_->runtime[peer];
  for (const auto& [origin, seq] : theirs) {
    uint64_t& held = rt.holds[origin];
    held = std::max(held, seq);
  }
  rt.view = std::move(theirs);
  rt.view_known = true;
  return response;
}

absl::StatusOr<v1::SyncResponse> AntiEntropy::ServeRange(
    const v1::SyncRequest& request) {
  const v1::SequenceRange& range = request.range();
  if (range.origin().size() != crypto::kPublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "range.origin: must be a ", crypto::kPublicKeySize, "-byte key"));
  }
  if (range.through() <= range.after()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range.through: ", range.through(),
                     " must be above range.after (", range.after(), ")"));
  }
  v1::SyncResponse response;
  // What a round would send: trusted origins, not blocked, up to what this
  // hub vouches for.
  if (range.origin() != self_ && !trust_->Trusted(range.origin())) {
    return response;
  }
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(range.origin());
  if (!state.ok()) return state.status();
  if (state->blocked()) return response;
  const uint64_t through = std::min<uint64_t>(
      range.through(), range.origin() == self_ ? state->max_sequence()
                                               : state->complete_through());
  if (through <= range.after()) return response;
  const size_t max_records =
      std::min<uint32_t>(request.max_records() == 0 ? options_->sync_max_records
                                                    : request.max_records(),
                         options_->sync_max_records);
  const size_t max_bytes = std::min<uint32_t>(
      request.max_bytes() == 0 ? options_->sync_max_bytes : request.max_bytes(),
      options_->sync_max_bytes);
  absl::StatusOr<node::Store::SequenceBatch> batch = store_->RecordsAfter(
      range.origin(), range.after(), through, max_records, max_bytes);
  if (!batch.ok()) return batch.status();
  for (v1::SignedRecord& r : batch->records) {
    *response.add_records() = std::move(r);
  }
  v1::OriginWatermark* covered = response.add_covered();
  covered->set_origin(range.origin());
  covered->set_sequence(batch->last);
  response.set_more(batch->last < range.through());
  return response;
}

void AntiEntropy::AdvanceForNew(const std::vector<RecordKey>& stored) {
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
