#include "node/search/internal/membership.h"

#include "crypto/keys.h"
#include "node/records/index_terms.h"

namespace civhub::node::internal {

absl::StatusOr<std::optional<StoredView>> HeldCommunity(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id) {
  absl::StatusOr<std::optional<StoredView>> view =
      snapshot.Get(origin, record_id);
  if (!view.ok() || !view->has_value() || (*view)->body.has_community()) {
    return view;
  }
  return std::optional<StoredView>();
}

absl::StatusOr<std::optional<StoredView>> MemberOrganization(
    const StoreSnapshot& snapshot, const v1::Membership& membership) {
  absl::StatusOr<crypto::PublicKey> key =
      crypto::PublicKey::FromHubId(membership.organization().origin());
  if (!key.ok()) return std::optional<StoredView>();
  absl::StatusOr<std::optional<StoredView>> org =
      snapshot.Get(key->bytes(), membership.organization().record_id());
  if (!org.ok() || !org->has_value() || (*org)->body.has_organization()) {
    return org;
  }
  return std::optional<StoredView>();
}

PostingList CommunitiesOf(const v1::RecordRef& organization) {
  return PostingList::Filter(
      kFieldMember, MemberKey(organization.origin(), organization.record_id()));
}

}  // namespace civhub::node::internal
