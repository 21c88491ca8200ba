// Who belongs to what, as this hub holds it: the one resolution of a
// community's members and of an organization's communities, shared by
// Directory::ListMembers and ListCommunities and by search's member_of and
// has_member. Private to node/search.
#ifndef CIVHUB_NODE_SEARCH_INTERNAL_MEMBERSHIP_H_
#define CIVHUB_NODE_SEARCH_INTERNAL_MEMBERSHIP_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "civhub/v1/record.pb.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node::internal {

// The community (`origin` as key bytes, `record_id`) if the snapshot holds
// it as a community; nullopt if not (never seen, deleted, another kind).
absl::StatusOr<std::optional<StoredView>> HeldCommunity(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id);

// The organization (`origin` as key bytes, `record_id`) if the snapshot
// holds it as an organization; nullopt if not.
absl::StatusOr<std::optional<StoredView>> HeldOrganization(
    const StoreSnapshot& snapshot, absl::string_view origin,
    absl::string_view record_id);

// The organization `membership` names, if the snapshot holds it as an
// organization; nullopt if not, or if its origin is not a hub id.
absl::StatusOr<std::optional<StoredView>> MemberOrganization(
    const StoreSnapshot& snapshot, const v1::Membership& membership);

// The communities that list `organization` (hub id, record id) as a member,
// in document order.
PostingList CommunitiesOf(const v1::RecordRef& organization);

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_SEARCH_INTERNAL_MEMBERSHIP_H_
