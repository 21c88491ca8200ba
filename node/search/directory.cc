#include "node/search/directory.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/keys.h"
#include "node/records/hsds_ids.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/records/validate.h"
#include "node/search/internal/membership.h"
#include "node/search/internal/page_token.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node {

absl::Status CheckRecordRef(const v1::RecordRef& ref, absl::string_view field,
                            std::string* origin_bytes) {
  if (ref.origin().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".origin: is required (a hub id, \"civhub1...\")"));
  }
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromHubId(ref.origin());
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".origin: ", key.status().message()));
  }
  if (absl::Status s =
          ValidateRecordId(ref.record_id(), absl::StrCat(field, ".record_id"));
      !s.ok()) {
    return s;
  }
  *origin_bytes = key->bytes();
  return absl::OkStatus();
}

v1::Record Directory::ToRecord(const StoredView& view) {
  return ToRecord(StoredView(view));
}

v1::Record Directory::ToRecord(StoredView&& view) {
  v1::Record out;
  out.set_origin(crypto::HubIdOf(view.body.origin()));
  out.set_record_id(view.body.record_id());
  if (const RecordKindInfo* kind = KindOf(view.body); kind != nullptr) {
    out.set_kind(kind->api_kind);
  }
  *out.mutable_signed_() = std::move(*view.stored.mutable_signed_());
  *out.mutable_body() = std::move(view.body);
  return out;
}

absl::StatusOr<v1::Record> Directory::GetRecord(
    const v1::GetRecordRequest& request) const {
  v1::RecordRef ref;
  ref.set_origin(request.origin());
  ref.set_record_id(request.record_id());
  std::string origin;
  if (absl::Status s = CheckRecordRef(ref, "request", &origin); !s.ok()) {
    // Name the request's own fields, not a nested ref.
    return absl::InvalidArgumentError(
        std::string(s.message()).substr(std::string("request.").size()));
  }
  absl::StatusOr<std::optional<StoredView>> view =
      store_->Get(origin, request.record_id());
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return absl::NotFoundError(absl::StrCat("record ", request.origin(), "/",
                                            request.record_id(),
                                            " is not on this hub"));
  }
  if ((*view)->body.has_tombstone()) {
    return absl::NotFoundError(
        absl::StrCat("record ", request.origin(), "/", request.record_id(),
                     " was deleted (version ", (*view)->body.version(), ")"));
  }
  return ToRecord(**view);
}

absl::StatusOr<v1::ListMembersResponse> Directory::ListMembers(
    const v1::ListMembersRequest& request) const {
  std::string origin;
  if (absl::Status s =
          CheckRecordRef(request.community(), "community", &origin);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int> page_size =
      internal::EffectivePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  v1::ListMembersRequest copy = request;
  uint64_t query = internal::QueryFingerprint(&copy);
  size_t start = 0;
  if (!request.page_token().empty()) {
    absl::StatusOr<internal::PagePosition> pos =
        internal::DecodePageToken(request.page_token(), query);
    if (!pos.ok()) return pos.status();
    start = pos->id;
  }

  StoreSnapshot snap(*store_);
  absl::StatusOr<std::optional<StoredView>> view =
      internal::HeldCommunity(snap, origin, request.community().record_id());
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("community ", request.community().origin(), "/",
                     request.community().record_id(), " is not on this hub"));
  }
  const v1::Community& community = (*view)->body.community();
  v1::ListMembersResponse out;
  out.set_total_count(community.memberships_size());
  size_t end =
      std::min<size_t>(community.memberships_size(), start + *page_size);
  for (size_t i = start; i < end; ++i) {
    const v1::Membership& m = community.memberships(static_cast<int>(i));
    v1::Member* member = out.add_members();
    *member->mutable_membership() = m;
    absl::StatusOr<std::optional<StoredView>> org =
        internal::MemberOrganization(snap, m);
    if (!org.ok()) return org.status();
    if (org->has_value()) *member->mutable_organization() = ToRecord(**org);
  }
  if (end < static_cast<size_t>(community.memberships_size())) {
    out.set_next_page_token(internal::EncodePageToken(query, {0, end}));
  }
  return out;
}

absl::StatusOr<v1::ListCommunitiesResponse> Directory::ListCommunities(
    const v1::ListCommunitiesRequest& request) const {
  std::string origin;
  if (absl::Status s =
          CheckRecordRef(request.organization(), "organization", &origin);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<int> page_size =
      internal::EffectivePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  v1::ListCommunitiesRequest copy = request;
  uint64_t query = internal::QueryFingerprint(&copy);
  uint64_t after_doc = 0;
  if (!request.page_token().empty()) {
    absl::StatusOr<internal::PagePosition> pos =
        internal::DecodePageToken(request.page_token(), query);
    if (!pos.ok()) return pos.status();
    after_doc = pos->id;
  }

  StoreSnapshot snap(*store_);
  PostingCursor communities(snap,
                            internal::CommunitiesOf(request.organization()));
  v1::ListCommunitiesResponse out;
  int64_t total = 0;
  uint64_t last_doc = 0;
  // Set once a posting comes after a full page: more remain.
  bool more = false;
  for (; communities.Valid(); communities.Next()) {
    ++total;
    const uint64_t doc = communities.doc();
    if (doc <= after_doc) continue;
    if (out.communities_size() >= *page_size) {
      more = true;
      continue;
    }
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(doc);
    if (!view.ok()) return view.status();
    if (!view->has_value()) continue;
    v1::CommunityMembership* cm = out.add_communities();
    for (const v1::Membership& m : (*view)->body.community().memberships()) {
      if (m.organization().origin() == request.organization().origin() &&
          m.organization().record_id() == request.organization().record_id()) {
        *cm->mutable_membership() = m;
        break;
      }
    }
    *cm->mutable_community() = ToRecord(**view);
    last_doc = doc;
  }
  if (absl::Status s = communities.status(); !s.ok()) return s;
  if (total == 0) {
    // Known here as a record, or as a member of a community here (a member
    // from another hub may be listed without the hub holding its record).
    absl::StatusOr<std::optional<StoredView>> org = internal::HeldOrganization(
        snap, origin, request.organization().record_id());
    if (!org.ok()) return org.status();
    if (!org->has_value()) {
      return absl::NotFoundError(absl::StrCat(
          "organization ", request.organization().origin(), "/",
          request.organization().record_id(), " is not on this hub"));
    }
  }
  out.set_total_count(total);
  if (more) {
    out.set_next_page_token(internal::EncodePageToken(query, {0, last_doc}));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Record>> Directory::FindByHsdsId(
    absl::string_view hsds_id, v1::RecordKind kind) const {
  if (!IsUuid(hsds_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: ",
                     hsds_id.size() <= 64
                         ? absl::StrCat("\"", absl::CHexEscape(hsds_id), "\" ")
                         : "",
                     "is not a UUID (8-4-4-4-12 hex digits, such as "
                     "\"1b3c8e5e-ef7a-5c58-9f6d-6c4e0a1d2f3b\")"));
  }
  const RecordKindInfo* info = FindRecordKind(kind);
  if (info == nullptr || info->hsds_object.empty()) {
    std::vector<std::string> names;
    for (const RecordKindInfo& k : RecordKinds()) {
      if (!k.hsds_object.empty()) {
        names.push_back(absl::AsciiStrToUpper(k.name));
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("kind: must be ", JoinAlternatives(names)));
  }
  StoreSnapshot snap(*store_);
  std::vector<StoredView> views;
  PostingCursor postings(
      snap, PostingList::Filter(kFieldHsdsId, NormalizeUuid(hsds_id)));
  for (; postings.Valid(); postings.Next()) {
    absl::StatusOr<std::optional<StoredView>> view =
        snap.GetDoc(postings.doc());
    if (!view.ok()) return view.status();
    if (view->has_value() &&
        (*view)->body.payload_case() == info->payload_case) {
      views.push_back(**std::move(view));
    }
  }
  if (absl::Status s = postings.status(); !s.ok()) return s;
  std::sort(views.begin(), views.end(),
            [](const StoredView& a, const StoredView& b) {
              return std::tie(a.body.origin(), a.body.record_id()) <
                     std::tie(b.body.origin(), b.body.record_id());
            });
  std::vector<v1::Record> out;
  out.reserve(views.size());
  for (const StoredView& view : views) out.push_back(ToRecord(view));
  return out;
}

absl::StatusOr<std::vector<std::string>> Directory::FilterValues(
    char field, absl::string_view prefix, size_t max) const {
  StoreSnapshot snap(*store_);
  return ListFilterValues(snap, field, prefix, max);
}

absl::StatusOr<std::vector<v1::Change>> Directory::ChangesAfter(
    uint64_t after_cursor, size_t max) const {
  StoreSnapshot snap(*store_);
  std::vector<v1::Change> out;
  ChangeCursor changes(snap, after_cursor);
  for (; changes.Valid() && out.size() < max; changes.Next()) {
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(changes.doc());
    if (!view.ok()) return view.status();
    if (!view->has_value()) continue;
    v1::Change& change = out.emplace_back();
    change.set_cursor(changes.change());
    *change.mutable_record() = ToRecord(**view);
  }
  if (absl::Status s = changes.status(); !s.ok()) return s;
  return out;
}

}  // namespace civhub::node
