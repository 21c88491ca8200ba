#include "node/search/internal/membership.h"

#include "crypto/keys.h"
#include "node/records/index_terms.h"

namespace civhub::node::internal {

namespace {

// The record if the snapshot holds it with a `payload` body.
absl::StatusOr<std::optional<StoredView>> Held(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id, v1::RecordBody::PayloadCase payload) {
  absl::StatusOr<std::optional<StoredView>> view =
      snapshot.Get(origin, record_id);
  if (!view.ok() || !view->has_value() ||
      (*view)->body.payload_case() == payload) {
    return view;
  }
  return std::optional<StoredView>();
}

}  // namespace

absl::StatusOr<std::optional<StoredView>> HeldCommunity(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id) {
  return Held(snapshot, origin, record_id, v1::RecordBody::kCommunity);
}

absl::StatusOr<std::optional<StoredView>> HeldOrganization(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id) {
  return Held(snapshot, origin, record_id, v1::RecordBody::kOrganization);
}

absl::StatusOr<std::optional<StoredView>> MemberOrganization(
    const StoreSnapshot& snapshot, const v1::Membership& membership) {
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromHubId(membership.organization().origin());
  if (!key.ok()) return std::optional<StoredView>();
  return HeldOrganization(snapshot, key->bytes(),
                          membership.organization().record_id());
}

PostingList CommunitiesOf(const v1::RecordRef& organization) {
  return PostingList::Filter(
      kFieldMember, MemberKey(organization.origin(), organization.record_id()));
}

}  // namespace civhub::node::internal
