#include "node/search/internal/expiry.h"

#include <algorithm>
#include <string>

#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/records/validate.h"
#include "node/storage/postings.h"

namespace civhub::node::internal {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

const google::protobuf::Timestamp* ExpiresAt(const v1::RecordBody& body) {
  switch (body.payload_case()) {
    case v1::RecordBody::kNeed:
      return &body.need().expires_at();
    case v1::RecordBody::kOffer:
      return &body.offer().expires_at();
    default:
      return nullptr;
  }
}

std::string KindLetter(v1::RecordBody::PayloadCase kind) {
  return std::string(1, FindRecordKind(kind)->index_letter);
}

}  // namespace

absl::StatusOr<bool> HoldsNeedsOrOffers(const StoreSnapshot& snapshot) {
  PostingCursor cursor(snapshot);
  for (auto kind : {v1::RecordBody::kNeed, v1::RecordBody::kOffer}) {
    cursor.Reset(PostingList::Filter(kFieldKind, KindLetter(kind)));
    if (cursor.Valid()) return true;
  }
  if (absl::Status s = cursor.status(); !s.ok()) return s;
  return false;
}

absl::StatusOr<std::vector<uint64_t>> UnexpiredNeedsAndOffers(
    const StoreSnapshot& snapshot, absl::Time now) {
  std::vector<uint64_t> docs;
  PostingCursor cursor(snapshot);
  bool any = false;
  for (auto kind : {v1::RecordBody::kNeed, v1::RecordBody::kOffer}) {
    cursor.Reset(PostingList::Filter(kFieldKind, KindLetter(kind)));
    any |= cursor.Valid();
  }
  if (absl::Status s = cursor.status(); !s.ok()) return s;
  if (!any) return docs;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilDay today = absl::ToCivilDay(now, utc);
  const absl::CivilDay last =
      absl::ToCivilDay(now + kMaxExpiry + kMaxClockSkew + absl::Hours(24), utc);
  for (absl::CivilDay day = today; day <= last; ++day) {
    const std::string value = absl::FormatCivilTime(day);
    for (cursor.Reset(PostingList::Filter(kFieldExpires, value));
         cursor.Valid(); cursor.Next()) {
      if (day != today) {
        docs.push_back(cursor.doc());
        continue;
      }
      absl::StatusOr<std::optional<StoredView>> view =
          snapshot.GetDoc(cursor.doc());
      if (!view.ok()) return view.status();
      if (!view->has_value()) continue;
      const google::protobuf::Timestamp* expires = ExpiresAt((*view)->body);
      if (expires != nullptr && ToTime(*expires) > now) {
        docs.push_back(cursor.doc());
      }
    }
    if (absl::Status s = cursor.status(); !s.ok()) return s;
  }
  std::sort(docs.begin(), docs.end());
  return docs;
}

absl::Status DropExpired(const StoreSnapshot& snapshot, absl::Time now,
                         std::vector<uint64_t>* docs) {
  if (docs->empty()) return absl::OkStatus();
  // Needs and offers among `docs` that have expired.
  std::vector<uint64_t> expired;
  PostingCursor needs(
      snapshot,
      PostingList::Filter(kFieldKind, KindLetter(v1::RecordBody::kNeed)));
  PostingCursor offers(
      snapshot,
      PostingList::Filter(kFieldKind, KindLetter(v1::RecordBody::kOffer)));
  if (!needs.Valid() && !offers.Valid()) {
    if (absl::Status s = needs.status(); !s.ok()) return s;
    return offers.status();
  }
  // Few documents: a seek in the kind postings each, and a record read for
  // each need or offer; many: the expiry postings of the days to come, and
  // a scan of the kind postings.
  constexpr size_t kSeekAtMost = 256;
  if (docs->size() <= kSeekAtMost) {
    for (uint64_t doc : *docs) {
      needs.Seek(doc);
      offers.Seek(doc);
      if (!(needs.Valid() && needs.doc() == doc) &&
          !(offers.Valid() && offers.doc() == doc)) {
        continue;
      }
      absl::StatusOr<std::optional<StoredView>> view = snapshot.GetDoc(doc);
      if (!view.ok()) return view.status();
      if (!view->has_value()) continue;
      const google::protobuf::Timestamp* expires = ExpiresAt((*view)->body);
      if (expires != nullptr && ToTime(*expires) <= now) expired.push_back(doc);
    }
  } else {
    absl::StatusOr<std::vector<uint64_t>> live =
        UnexpiredNeedsAndOffers(snapshot, now);
    if (!live.ok()) return live.status();
    for (PostingCursor* cursor : {&needs, &offers}) {
      for (; cursor->Valid(); cursor->Next()) {
        if (!std::binary_search(live->begin(), live->end(), cursor->doc())) {
          expired.push_back(cursor->doc());
        }
      }
    }
    std::sort(expired.begin(), expired.end());
  }
  for (PostingCursor* cursor : {&needs, &offers}) {
    if (absl::Status s = cursor->status(); !s.ok()) return s;
  }
  if (expired.empty()) return absl::OkStatus();
  docs->erase(std::remove_if(docs->begin(), docs->end(),
                             [&](uint64_t doc) {
                               return std::binary_search(expired.begin(),
                                                         expired.end(), doc);
                             }),
              docs->end());
  return absl::OkStatus();
}

}  // namespace civhub::node::internal
