#include "node/search/internal/match_index.h"

#include <algorithm>

#include "node/records/capabilities.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/storage/postings.h"

namespace civhub::node::internal {

std::string MatchKey(absl::string_view capability) {
  const absl::string_view group = CapabilityGroup(capability);
  return std::string(group.empty() ? capability : group);
}

void MatchIndex::Clear() {
  built_ = false;
  through_change_ = 0;
  entries_.clear();
  origins_.clear();
  key_ids_.clear();
  for (auto& sets : by_key_) sets.clear();
}

uint32_t MatchIndex::KeyId(const std::string& key) {
  auto [it, added] = key_ids_.emplace(key, key_ids_.size());
  if (added) {
    for (auto& sets : by_key_) sets.emplace_back();
  }
  return it->second;
}

void MatchIndex::Remove(uint64_t doc) {
  auto it = entries_.find(doc);
  if (it == entries_.end()) return;
  for (uint32_t key : it->second.keys) {
    by_key_[it->second.need][key].erase(&it->second);
  }
  entries_.erase(it);
}

absl::Status MatchIndex::Refresh(const StoreSnapshot& snap, uint64_t doc) {
  absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(doc);
  if (!view.ok()) return view.status();
  Remove(doc);
  if (!view->has_value()) return absl::OkStatus();
  const v1::RecordBody& body = (*view)->body;
  if (!body.has_need() && !body.has_offer()) return absl::OkStatus();
  Entry& e = entries_[doc];
  e.doc = doc;
  e.need = body.has_need();
  e.side = e.need ? NeedSide(body.need()) : OfferSide(body.offer());
  e.origin = &*origins_.insert(body.origin()).first;
  e.record_id = body.record_id();
  for (const std::string& c : e.side.capabilities) {
    const uint32_t key = KeyId(MatchKey(c));
    if (std::find(e.keys.begin(), e.keys.end(), key) == e.keys.end()) {
      e.keys.push_back(key);
      by_key_[e.need][key].insert(&e);
    }
  }
  // Ranking reads the fingerprints alone (ScoreOnly).
  e.side.capabilities = {};
  e.side.languages = {};
  return absl::OkStatus();
}

absl::Status MatchIndex::CatchUp(const StoreSnapshot& snap) {
  absl::MutexLock lock(&mu_);
  const uint64_t purges = store_->purges();
  if (built_ && purges != purges_) Clear();
  if (!built_) {
    // Every need and offer, from their kind postings; then the log from
    // a change no later than the snapshot they were read in.
    purges_ = purges;
    const uint64_t through = store_->last_change();
    StoreSnapshot start(*store_);
    for (v1::RecordKind kind : {v1::RECORD_KIND_NEED, v1::RECORD_KIND_OFFER}) {
      const RecordKindInfo* info = FindRecordKind(kind);
      if (info == nullptr || info->index_letter == '\0') continue;
      PostingCursor cursor(
          start,
          PostingList::Filter(kFieldKind, std::string(1, info->index_letter)));
      for (; cursor.Valid(); cursor.Next()) {
        if (absl::Status s = Refresh(start, cursor.doc()); !s.ok()) {
          Clear();
          return s;
        }
      }
      if (absl::Status s = cursor.status(); !s.ok()) {
        Clear();
        return s;
      }
    }
    through_change_ = through;
    built_ = true;
  }
  ChangeCursor changes(snap, through_change_);
  for (; changes.Valid(); changes.Next()) {
    if (absl::Status s = Refresh(snap, changes.doc()); !s.ok()) {
      Clear();
      return s;
    }
    through_change_ = changes.change();
  }
  if (absl::Status s = changes.status(); !s.ok()) {
    Clear();
    return s;
  }
  return absl::OkStatus();
}

void MatchIndex::ForEachCandidate(
    bool need, const std::vector<std::string>& keys,
    const std::function<bool(uint64_t doc, const Entry& entry)>& visit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<uint32_t> ids;
  for (const std::string& key : keys) {
    auto it = key_ids_.find(key);
    if (it != key_ids_.end() &&
        std::find(ids.begin(), ids.end(), it->second) == ids.end()) {
      ids.push_back(it->second);
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    for (const Entry* entry : by_key_[need][ids[i]]) {
      const Entry& e = *entry;
      // Listed under an earlier key too: visited there.
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) {
        seen = std::find(e.keys.begin(), e.keys.end(), ids[j]) != e.keys.end();
      }
      if (seen) continue;
      if (!visit(e.doc, e)) return;
    }
  }
}

size_t MatchIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace civhub::node::internal
