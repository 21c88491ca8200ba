// Spreading: push, announce, fetch (AntiEntropy holds the rounds; a push
// received is applied by Federation::HandlePush).
#include "federation/spreading.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crypto/keys.h"

namespace civhub::federation {

std::optional<LinkGraph::Place> Spreading::PlaceOf(
    const std::string& origin) const {
  if (trust_ == nullptr) return std::nullopt;
  std::shared_ptr<const LinkGraph> graph = trust_->Graph();
  if (graph == nullptr) return std::nullopt;
  return graph->PlaceOf(origin, self_);
}

void Spreading::Relay(const std::vector<v1::SignedRecord>& records,
                      const std::vector<RecordKey>& keys,
                      const std::string& except, bool on_tree) {
  if (records.empty()) return;
  // Each origin's tree, looked up before the lock (it may be computed).
  std::map<std::string, std::optional<LinkGraph::Place>> places;
  for (const RecordKey& key : keys) {
    if (!places.count(key.first)) places[key.first] = PlaceOf(key.first);
  }
  absl::MutexLock lock(&shared_->mu);
  if (shared_->stopped) return;
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
  for (auto& [key, record] : shared_->table.rows()) {
    if (key == except || record.state() != v1::PEER_STATE_ACTIVE) continue;
    PeerRuntime& rt = shared_->runtime[key];
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& [origin, sequence] = keys[i];
      auto it = rt.holds.find(origin);
      const uint64_t held = it == rt.holds.end() ? 0 : it->second;
      if (held >= sequence) continue;
      if (std::find(holders[i].begin(), holders[i].end(), key) !=
          holders[i].end()) {
        continue;
      }
      const std::optional<LinkGraph::Place>& place = places[origin];
      const bool child = on_tree && place.has_value() &&
                         std::binary_search(place->children.begin(),
                                            place->children.end(), key);
      // Offered only if the peer lacks at most a round's worth of this
      // origin before it. Beyond that (it is catching up, or this hub is)
      // its rounds bring the record along with those, 1,000 a call, sooner
      // than pushes or fetches of 64 would — but for this hub's own
      // records, which no peer can hold yet.
      const bool within = sequence - held <= options_->sync_max_records;
      if (place.has_value() ? child && (within || origin == self_)
                            : origin == self_) {
        rt.push_queue.push_back(records[i]);
      } else if (within) {
        QueueAnnounceLocked(rt, keys[i]);
      }
    }
    SendPushes(key);
    SendAnnounces(key);
  }
}

void Spreading::QueueAnnounceLocked(PeerRuntime& rt, const RecordKey& key) {
  // Past the bound the peer's rounds carry the record: dropping costs a
  // little latency, growing would cost a hub catching up a queue entry per
  // record per peer.
  if (rt.announce_queue.size() >= options_->max_announce_queue) {
    ++rt.announces_dropped;
    return;
  }
  rt.announce_queue.push_back(key);
  rt.announce_queue_high_water =
      std::max(rt.announce_queue_high_water, rt.announce_queue.size());
}

void Spreading::SendPushes(const std::string& peer) {
  PeerRuntime& rt = shared_->runtime[peer];
  if (rt.push_in_flight || rt.push_queue.empty()) return;
  v1::PushRequest request;
  while (!rt.push_queue.empty() &&
         static_cast<size_t>(request.records_size()) < options_->push_batch) {
    *request.add_records() = std::move(rt.push_queue.front());
    rt.push_queue.pop_front();
  }
  std::vector<RecordKey> keys;
  for (const v1::SignedRecord& r : request.records())
    keys.push_back(ReadKey(r));
  rt.push_in_flight = true;
  transport_->Push(AddressOf(shared_->table.rows()[peer]),
                   options_->deadlines.push, std::move(request),
                   [this, peer, keys = std::move(keys)](
                       absl::StatusOr<v1::PushResponse> response) mutable {
                     OnPushResponse(peer, std::move(keys), std::move(response));
                   });
}

void Spreading::OnPushResponse(const std::string& peer,
                               std::vector<RecordKey> pushed,
                               absl::StatusOr<v1::PushResponse> response) {
  if (!response.ok()) {
    host_->NoteCallError(peer, "push", response.status());
  }
  absl::MutexLock lock(&shared_->mu);
  PeerRuntime& rt = shared_->runtime[peer];
  rt.push_in_flight = false;
  if (shared_->stopped) return;
  if (!response.ok()) {
    // The peer may have got them (a lost reply) or not: announced, it
    // fetches what it lacks, a body only if the push was lost. What was
    // queued behind is dropped: anti-entropy catches the peer up.
    rt.push_queue.clear();
    for (const RecordKey& key : pushed) {
      if (key.second > 0) QueueAnnounceLocked(rt, key);
    }
    SendAnnounces(peer);
  }
  SendPushes(peer);
}

void Spreading::SendAnnounces(const std::string& peer) {
  PeerRuntime& rt = shared_->runtime[peer];
  if (rt.announce_in_flight || rt.announce_queue.empty()) return;
  v1::AnnounceRequest request;
  std::vector<RecordKey> batch;
  while (!rt.announce_queue.empty() &&
         batch.size() < options_->announce_batch) {
    batch.push_back(std::move(rt.announce_queue.front()));
    rt.announce_queue.pop_front();
    v1::SequenceRef* ref = request.add_records();
    ref->set_origin(batch.back().first);
    ref->set_sequence(batch.back().second);
  }
  rt.announce_in_flight = true;
  transport_->Announce(
      AddressOf(shared_->table.rows()[peer]), options_->deadlines.announce,
      std::move(request),
      [this, peer, batch = std::move(batch)](
          absl::StatusOr<v1::AnnounceResponse> response) mutable {
        OnAnnounceResponse(peer, std::move(batch), std::move(response));
      });
}

void Spreading::OnAnnounceResponse(
    const std::string& peer, std::vector<RecordKey> asked,
    absl::StatusOr<v1::AnnounceResponse> response) {
  if (!response.ok()) {
    host_->NoteCallError(peer, "announce", response.status());
  }
  absl::MutexLock lock(&shared_->mu);
  PeerRuntime& rt = shared_->runtime[peer];
  rt.announce_in_flight = false;
  if (shared_->stopped) return;
  if (!response.ok()) {
    // Once more (a lost message), then anti-entropy's turn.
    if (rt.announce_retry.empty()) {
      // Within the bound: what was queued meanwhile keeps its place, the
      // rest of the batch is left to the rounds.
      const size_t room =
          options_->max_announce_queue -
          std::min(options_->max_announce_queue, rt.announce_queue.size());
      if (asked.size() > room) {
        rt.announces_dropped += asked.size() - room;
        asked.resize(room);
      }
      rt.announce_retry = std::move(asked);
      rt.announce_queue.insert(rt.announce_queue.begin(),
                               rt.announce_retry.begin(),
                               rt.announce_retry.end());
      rt.announce_queue_high_water =
          std::max(rt.announce_queue_high_water, rt.announce_queue.size());
    } else {
      rt.announce_retry.clear();
      rt.announce_queue.clear();
    }
  } else {
    rt.announce_retry.clear();
  }
  SendAnnounces(peer);
}

void Spreading::SendFetches(const std::string& peer) {
  PeerRuntime& rt = shared_->runtime[peer];
  if (rt.fetch_in_flight) return;
  auto it = shared_->table.rows().find(peer);
  if (it == shared_->table.rows().end() ||
      it->second.state() != v1::PEER_STATE_ACTIVE) {
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
  while (!rt.fetch_queue.empty() && asked.size() < options_->push_batch) {
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
      AddressOf(it->second), options_->deadlines.fetch, std::move(request),
      [this, peer, asked = std::move(asked), sent = clock_->Now()](
          absl::StatusOr<v1::FetchResponse> response) mutable {
        OnFetchResponse(peer, std::move(asked), sent, std::move(response));
      });
}

bool Spreading::AskNextLocked(const RecordKey& key, Wanted& wanted,
                              std::set<std::string>* to_send) {
  for (const std::string& next : wanted.announcers) {
    if (wanted.asking.count(next) > 0) continue;
    wanted.asking.insert(next);
    shared_->runtime[next].fetch_queue.push_back(key);
    to_send->insert(next);
    return true;
  }
  return false;
}

absl::Duration Spreading::HedgeDelayLocked(const std::string& peer) {
  // Three of the peer's round trips; a second while it is unknown.
  const absl::Duration rtt = shared_->runtime[peer].rtt;
  return rtt == absl::ZeroDuration()
             ? absl::Seconds(1)
             : std::clamp(rtt * 3, absl::Milliseconds(50), absl::Seconds(2));
}

void Spreading::Hedge(const std::string& peer,
                      const std::vector<RecordKey>& asked) {
  absl::MutexLock lock(&shared_->mu);
  if (shared_->stopped) return;
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

void Spreading::OnFetchResponse(const std::string& peer,
                                std::vector<RecordKey> asked, absl::Time sent,
                                absl::StatusOr<v1::FetchResponse> response) {
  {
    absl::MutexLock lock(&shared_->mu);
    if (shared_->stopped) return;
  }
  Applied applied;
  std::set<RecordKey> received;
  if (response.ok()) {
    applied = host_->ApplyFetched(peer, response->records());
    received.insert(applied.keys.begin(), applied.keys.end());
  } else {
    host_->NoteCallError(peer, "fetch", response.status());
  }
  // Marks what arrived as stored and announces it (not to its announcers):
  // the repair path, not pushed on (see Relay).
  Relay(applied.relay, applied.relay_keys, peer, /*on_tree=*/false);
  absl::MutexLock lock(&shared_->mu);
  shared_->runtime[peer].fetch_in_flight = false;
  if (response.ok()) NoteRtt(shared_->runtime[peer], clock_->Now() - sent);
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

absl::StatusOr<v1::AnnounceResponse> Spreading::HandleAnnounce(
    const std::string& peer, const v1::AnnounceRequest& request) {
  if (static_cast<size_t>(request.records_size()) > options_->announce_batch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "records: at most ", options_->announce_batch, " per announce"));
  }
  // Nothing could be stored: fetch nothing.
  if (!store_->Writable().ok()) return v1::AnnounceResponse();
  // What this hub lacks, checked against the store outside the lock.
  std::vector<RecordKey> lacking;
  for (int i = 0; i < request.records_size(); ++i) {
    const v1::SequenceRef& ref = request.records(i);
    if (ref.origin().size() != crypto::kPublicKeySize) {
      return absl::InvalidArgumentError(
          absl::StrCat("records[", i, "].origin: must be a ",
                       crypto::kPublicKeySize, "-byte key"));
    }
    if (ref.sequence() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("records[", i, "].sequence: must be at least 1"));
    }
    if (ref.origin() == self_) continue;
    absl::StatusOr<storage::OriginState> state =
        store_->GetOriginState(ref.origin());
    if (!state.ok()) return state.status();
    if (state->blocked() || state->complete_through() >= ref.sequence())
      continue;
    absl::StatusOr<bool> seen = store_->Seen(ref.origin(), ref.sequence());
    if (!seen.ok()) return seen.status();
    if (!*seen) lacking.emplace_back(ref.origin(), ref.sequence());
  }
  // The tree parent of each origin (before the lock: a tree may be
  // computed).
  std::map<std::string, std::string> parent_of;
  for (const RecordKey& key : lacking) {
    if (parent_of.count(key.first)) continue;
    std::optional<LinkGraph::Place> place = PlaceOf(key.first);
    parent_of[key.first] = place.has_value() ? place->parent : "";
  }
  absl::MutexLock lock(&shared_->mu);
  if (shared_->stopped) return v1::AnnounceResponse();
  std::set<std::string> to_fetch_from;
  std::vector<RecordKey> awaiting;  // For the parent's push, a grace long.
  absl::Duration grace = absl::ZeroDuration();
  for (RecordKey& key : lacking) {
    auto it = wanted_.find(key);
    if (it == wanted_.end()) {
      if (wanted_.size() >= options_->max_wanted) continue;
      it = wanted_.emplace(key, Wanted()).first;
    }
    Wanted& w = it->second;
    if (std::find(w.announcers.begin(), w.announcers.end(), peer) !=
        w.announcers.end()) {
      continue;
    }
    w.announcers.push_back(peer);
    if (w.stored || !w.asking.empty() || w.awaiting_parent) continue;
    const std::string& parent = parent_of[key.first];
    auto row = parent.empty() ? shared_->table.rows().end()
                              : shared_->table.rows().find(parent);
    if (parent != peer && row != shared_->table.rows().end() &&
        row->second.state() == v1::PEER_STATE_ACTIVE) {
      w.awaiting_parent = true;
      grace = std::max(grace, TreeGraceLocked(parent));
      awaiting.push_back(std::move(key));
      continue;
    }
    // One announcer at a time: the first is asked, the others wait (see
    // Hedge).
    AskNextLocked(key, w, &to_fetch_from);
  }
  for (const std::string& p : to_fetch_from) SendFetches(p);
  if (!awaiting.empty()) {
    scheduler_->RunAfter(
        grace, [this, awaiting = std::move(awaiting)] { GraceOver(awaiting); });
  }
  return v1::AnnounceResponse();
}

absl::Duration Spreading::TreeGraceLocked(const std::string& parent) {
  const absl::Duration rtt = shared_->runtime[parent].rtt;
  return rtt == absl::ZeroDuration()
             ? absl::Milliseconds(50)
             : std::clamp(rtt / 4, absl::Milliseconds(5),
                          absl::Milliseconds(250));
}

void Spreading::GraceOver(const std::vector<RecordKey>& keys) {
  absl::MutexLock lock(&shared_->mu);
  if (shared_->stopped) return;
  std::set<std::string> to_send;
  for (const RecordKey& key : keys) {
    auto it = wanted_.find(key);
    if (it == wanted_.end()) continue;  // The push came.
    Wanted& w = it->second;
    w.awaiting_parent = false;
    if (w.stored || !w.asking.empty()) continue;
    if (!AskNextLocked(key, w, &to_send)) wanted_.erase(it);
  }
  for (const std::string& p : to_send) SendFetches(p);
}

absl::StatusOr<v1::FetchResponse> Spreading::HandleFetch(
    const v1::FetchRequest& request) {
  if (static_cast<size_t>(request.records_size()) > options_->push_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("records: at most ", options_->push_batch, " per fetch"));
  }
  v1::FetchResponse response;
  size_t bytes = 0;
  for (int i = 0; i < request.records_size(); ++i) {
    const v1::SequenceRef& ref = request.records(i);
    if (ref.origin().size() != crypto::kPublicKeySize || ref.sequence() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "records[", i, "]: not a record reference (origin must ", "be a ",
          crypto::kPublicKeySize, "-byte key, sequence at least 1)"));
    }
    absl::StatusOr<node::Store::SequenceBatch> batch = store_->RecordsAfter(
        ref.origin(), ref.sequence() - 1, ref.sequence(), 1, SIZE_MAX);
    if (!batch.ok()) return batch.status();
    for (v1::SignedRecord& r : batch->records) {
      // Within the reply limit; the caller asks others for the rest.
      bytes += r.ByteSizeLong();
      if (bytes > options_->sync_max_bytes && response.records_size() > 0)
        return response;
      *response.add_records() = std::move(r);
    }
  }
  return response;
}

void Spreading::DropPushesOfLocked(const std::string& origin) {
  for (auto& [peer, rt] : shared_->runtime) {
    auto& q = rt.push_queue;
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](const v1::SignedRecord& r) {
                             v1::RecordBody body;
                             return body.ParseFromString(r.body()) &&
                                    body.origin() == origin;
                           }),
            q.end());
  }
}

}  // namespace civhub::federation
