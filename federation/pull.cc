// Pull: range pulls of a backlog, pipelined and from several peers.
#include "federation/pull.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "crypto/keys.h"
#include "federation/peer_table.h"

namespace civhub::federation {

void Pull::Consider(const std::string& peer, bool more) {
  // The most any active peer that serves ranges is known to hold, per
  // origin.
  std::map<std::string, uint64_t> best;
  {
    absl::MutexLock lock(&shared_->mu);
    if (shared_->stopped) return;
    if (!more) {
      // Nothing new to pull; the peer may take ranges again.
      if (failing_.erase(peer) > 0) FillLocked();
      return;
    }
    for (const auto& [key, row] : shared_->table.rows()) {
      if (row.state() != v1::PEER_STATE_ACTIVE) continue;
      const PeerRuntime& rt = shared_->runtime[key];
      if (rt.no_ranges) continue;
      for (const auto& [origin, held] : rt.holds) {
        if (held == kBlocked || origin == self_) continue;
        uint64_t& b = best[origin];
        b = std::max(b, held);
      }
    }
  }
  // Which of those are a backlog here (read outside the lock).
  std::map<std::string, uint64_t> have;
  for (const auto& [origin, held] : best) {
    if (!trust_->Trusted(origin)) continue;
    absl::StatusOr<storage::OriginState> state = store_->GetOriginState(origin);
    if (!state.ok()) {
      spdlog::warn("federation: cannot read the state of {}: {}",
                   crypto::HubIdOf(origin), state.status().ToString());
      return;
    }
    if (state->blocked()) continue;
    if (held > state->complete_through() + options_->sync_max_records) {
      have[origin] = state->complete_through();
    }
  }
  absl::MutexLock lock(&shared_->mu);
  if (shared_->stopped) return;
  failing_.erase(peer);
  for (const auto& [origin, through] : have) {
    auto [it, added] = pulls_.try_emplace(origin);
    OriginPull& pull = it->second;
    if (added) {
      pull.id = ++last_id_;
      pull.applied = pull.next = through;
    }
    pull.target = std::max(pull.target, best[origin]);
  }
  FillLocked();
}

void Pull::ClaimLocked(Vector& vector) const {
  for (const auto& [origin, pull] : pulls_) {
    uint64_t& seq = vector[origin];
    seq = std::max(seq, pull.target);
  }
}

Pull::Counters Pull::counters() const {
  absl::MutexLock lock(&shared_->mu);
  return counters_;
}

void Pull::FillLocked() {
  if (pulls_.empty() || shared_->stopped) return;
  for (const auto& [key, row] : shared_->table.rows()) {
    if (row.state() != v1::PEER_STATE_ACTIVE ||
        shared_->runtime[key].no_ranges || failing_.count(key) > 0) {
      continue;
    }
    while (outstanding_[key] < options_->pull_depth && AskOneLocked(key)) {
    }
  }
}

bool Pull::AskOneLocked(const std::string& peer) {
  const Vector& holds = shared_->runtime[peer].holds;
  for (auto& [origin, pull] : pulls_) {
    auto h = holds.find(origin);
    if (h == holds.end() || h->second == kBlocked) continue;
    const uint64_t held = h->second;
    // A range another peer failed, first: the ones after it wait on it.
    for (auto& [after, range] : pull.ranges) {
      if (range.peer.empty() && !range.reply && held > after &&
          range.failed_at.count(peer) == 0) {
        AskLocked(peer, origin, pull, after, range);
        return true;
      }
    }
    if (pull.next < pull.target && held > pull.next) {
      const uint64_t after = pull.next;
      pull.next = std::min(after + options_->sync_max_records, pull.target);
      Range& range = pull.ranges[after];
      range.through = pull.next;
      AskLocked(peer, origin, pull, after, range);
      return true;
    }
  }
  return false;
}

void Pull::AskLocked(const std::string& peer, const std::string& origin,
                     const OriginPull& pull, uint64_t after, Range& range) {
  range.peer = peer;
  ++outstanding_[peer];
  ++total_outstanding_;
  ++counters_.ranges_asked;
  ++counters_.asked_of[peer];
  counters_.most_outstanding =
      std::max(counters_.most_outstanding, total_outstanding_);
  v1::SyncRequest request;
  v1::SequenceRange* r = request.mutable_range();
  r->set_origin(origin);
  r->set_after(after);
  r->set_through(range.through);
  request.set_max_records(options_->sync_max_records);
  request.set_max_bytes(options_->sync_max_bytes);
  transport_->Sync(AddressOf(shared_->table.rows()[peer]),
                   options_->deadlines.sync, std::move(request),
                   [this, peer, origin, id = pull.id,
                    after](absl::StatusOr<v1::SyncResponse> response) {
                     OnReply(peer, origin, id, after, std::move(response));
                   });
}

void Pull::Release(const std::string& peer) {
  size_t& n = outstanding_[peer];
  if (n > 0) {
    --n;
    --total_outstanding_;
  }
}

void Pull::OnReply(const std::string& peer, const std::string& origin,
                   uint64_t id, uint64_t after,
                   absl::StatusOr<v1::SyncResponse> response) {
  if (!response.ok()) shared_->NoteCallError(peer, "sync", response.status());
  bool drain = false;
  {
    absl::MutexLock lock(&shared_->mu);
    if (shared_->stopped) return;
    auto it = pulls_.find(origin);
    if (it == pulls_.end() || it->second.id != id) return;  // Ended.
    OriginPull& pull = it->second;
    auto r = pull.ranges.find(after);
    if (r == pull.ranges.end() || r->second.peer != peer) return;
    Range& range = r->second;
    PeerRuntime& rt = shared_->runtime[peer];
    // The highest sequence the reply vouches for.
    uint64_t covered = after;
    const bool old_peer = response.ok() && response->need_full_vector();
    if (response.ok() && !old_peer) {
      for (const v1::OriginWatermark& c : response->covered()) {
        if (c.origin() == origin) {
          covered = std::max(covered, std::min(c.sequence(), range.through));
        }
      }
    }
    if (covered == after) {
      // Failed, or the peer predates ranges, or holds none of it after
      // all: another peer is asked; none left, the rounds carry on.
      if (old_peer) rt.no_ranges = true;
      if (!response.ok()) failing_.insert(peer);
      Release(peer);
      ++counters_.ranges_failed;
      range.peer.clear();
      range.failed_at.insert(peer);
      if (!AnyHolderLocked(origin, after, range)) EndLocked(origin);
      FillLocked();
      return;
    }
    uint64_t& held = rt.holds[origin];
    held = std::max(held, covered);
    if (covered < range.through) {
      // Cut by the limits, or the peer holds no more: the rest is a range
      // of its own, asked next.
      pull.ranges[covered].through = range.through;
      range.through = covered;
    }
    range.reply = *std::move(response);
    drain = !applying_;
    applying_ = true;
    if (!drain) FillLocked();
  }
  if (drain) Drain();
}

bool Pull::AnyHolderLocked(const std::string& origin, uint64_t after,
                           const Range& range) {
  for (const auto& [key, row] : shared_->table.rows()) {
    if (row.state() != v1::PEER_STATE_ACTIVE || range.failed_at.count(key) ||
        failing_.count(key)) {
      continue;
    }
    const PeerRuntime& rt = shared_->runtime[key];
    auto h = rt.holds.find(origin);
    if (!rt.no_ranges && h != rt.holds.end() && h->second != kBlocked &&
        h->second > after) {
      return true;
    }
  }
  return false;
}

void Pull::EndLocked(const std::string& origin) {
  auto it = pulls_.find(origin);
  if (it == pulls_.end()) return;
  for (const auto& [after, range] : it->second.ranges) {
    if (!range.peer.empty()) Release(range.peer);
  }
  pulls_.erase(it);
}

bool Pull::TakeNextLocked(Taken* taken) {
  for (auto& [origin, pull] : pulls_) {
    if (pull.ranges.empty()) continue;
    // Ranges are contiguous from `applied`: the first is next in line.
    auto first = pull.ranges.begin();
    if (!first->second.reply) continue;
    taken->origin = origin;
    taken->id = pull.id;
    taken->after = first->first;
    taken->through = first->second.through;
    taken->peer = first->second.peer;
    taken->reply = *std::move(first->second.reply);
    Release(taken->peer);
    pull.ranges.erase(first);
    return true;
  }
  return false;
}

void Pull::Drain() {
  for (;;) {
    Taken t;
    {
      absl::MutexLock lock(&shared_->mu);
      if (shared_->stopped || !TakeNextLocked(&t)) {
        applying_ = false;
        FillLocked();
        return;
      }
      // The next ranges are asked for before this one is applied.
      FillLocked();
    }
    Applied applied = host_->ApplyPulled(t.peer, t.reply.records());
    uint64_t through = t.through;
    auto failure = applied.first_failure.find(t.origin);
    if (failure != applied.first_failure.end()) {
      through = std::min(through, failure->second - 1);
    }
    if (absl::Status s = store_->AdvanceWatermark(t.origin, t.after, through);
        !s.ok()) {
      spdlog::warn(
          "federation: cannot advance the watermark of {} to {} after a pull "
          "from {}: {}",
          crypto::HubIdOf(t.origin), through, crypto::HubIdOf(t.peer),
          s.ToString());
      through = t.after;  // Ends the pull: the rounds ask again.
    }
    if (applied.links_changed) host_->RebuildTrust();
    host_->Relay(applied.relay, applied.relay_keys, t.peer);
    absl::MutexLock lock(&shared_->mu);
    auto it = pulls_.find(t.origin);
    if (it == pulls_.end() || it->second.id != t.id) continue;
    OriginPull& pull = it->second;
    pull.applied = t.through;
    const bool done = pull.next >= pull.target && pull.ranges.empty();
    // A refused record (or a failed write) stops the pull there: the
    // rounds try it again, and report it.
    if (done || through < t.through) {
      if (!done) ++counters_.ranges_failed;
      EndLocked(t.origin);
    }
  }
}

}  // namespace civhub::federation
