#include "node/records/record_kinds.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "node/records/payload_terms.h"
#include "node/records/validate.h"

namespace civhub::node {
namespace {

// Each kind's title and summary.

std::string OrganizationTitle(const v1::RecordBody& body) {
  const v1::Organization& o = body.organization();
  std::string name = o.names().empty() ? "(unnamed)" : o.names(0).text();
  if (!o.acronym().empty()) absl::StrAppend(&name, " (", o.acronym(), ")");
  return name;
}

RecordSummary OrganizationSummary(const v1::RecordBody& body) {
  const v1::Organization& o = body.organization();
  RecordSummary s;
  if (o.locations_size() > 0) {
    const v1::Location& l = o.locations(0);
    std::vector<std::string> parts;
    if (!l.city().empty()) parts.push_back(l.city());
    parts.push_back(l.region().empty() ? l.country() : l.region());
    s.place = absl::StrJoin(parts, ", ");
  }
  s.topics.assign(o.topics().begin(), o.topics().end());
  return s;
}

std::string CommunityTitle(const v1::RecordBody& body) {
  const v1::Community& c = body.community();
  return c.names().empty() ? "(unnamed)" : c.names(0).text();
}

RecordSummary CommunitySummary(const v1::RecordBody& body) {
  const v1::Community& c = body.community();
  RecordSummary s;
  s.place = c.region_scope().empty() ? "worldwide"
                                     : absl::StrJoin(c.region_scope(), " ");
  s.topics.assign(c.topics().begin(), c.topics().end());
  return s;
}

std::string TombstoneTitle(const v1::RecordBody&) { return "(deleted)"; }

std::string HubProfileTitle(const v1::RecordBody& body) {
  return body.hub_profile().name().empty() ? "(unnamed hub)"
                                           : body.hub_profile().name();
}

std::string PeerLinkTitle(const v1::RecordBody&) {
  return "(link to another hub)";
}

// Kinds shown without a place or topics.
RecordSummary NoSummary(const v1::RecordBody&) { return {}; }

using storage::Counters;

// In the order of the payload fields, except that tombstones come last:
// messages list the kinds in this order ("one of organization, community or
// tombstone"), and so does the store check.
const RecordKindInfo kKinds[] = {
    {
        v1::RecordBody::kOrganization,
        "organization",
        v1::RECORD_KIND_ORGANIZATION,
        'o',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::organizations,
        &Counters::set_organizations,
        v1::PublishRequest::kOrganization,
        "org",
        "Organization records",
        "organization",
        "organizations",
        ValidateOrganizationRecord,
        OrganizationTerms,
        OrganizationTitle,
        OrganizationSummary,
    },
    {
        v1::RecordBody::kCommunity,
        "community",
        v1::RECORD_KIND_COMMUNITY,
        'c',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::communities,
        &Counters::set_communities,
        v1::PublishRequest::kCommunity,
        "community",
        "Community-of-practice records",
        "community",
        "communities",
        ValidateCommunityRecord,
        CommunityTerms,
        CommunityTitle,
        CommunitySummary,
    },
    {
        // Not searchable; listed by kind for the network view.
        v1::RecordBody::kHubProfile,
        "hub_profile",
        v1::RECORD_KIND_HUB_PROFILE,
        'h',
        /*searchable=*/false,
        /*system=*/true,
        &Counters::hub_profiles,
        &Counters::set_hub_profiles,
        v1::PublishRequest::PAYLOAD_NOT_SET,
        "",
        "",
        "hub profile",
        "hub profiles",
        ValidateHubProfileRecord,
        NoPayloadTerms,
        HubProfileTitle,
        NoSummary,
    },
    {
        v1::RecordBody::kPeerLink,
        "peer_link",
        v1::RECORD_KIND_PEER_LINK,
        'l',
        /*searchable=*/false,
        /*system=*/true,
        &Counters::peer_links,
        &Counters::set_peer_links,
        v1::PublishRequest::PAYLOAD_NOT_SET,
        "",
        "",
        "peer link",
        "peer links",
        ValidatePeerLinkRecord,
        NoPayloadTerms,
        PeerLinkTitle,
        NoSummary,
    },
    {
        // A deleted record: no postings, so neither searched nor listed.
        v1::RecordBody::kTombstone,
        "tombstone",
        v1::RECORD_KIND_TOMBSTONE,
        '\0',
        /*searchable=*/false,
        /*system=*/false,
        &Counters::tombstones,
        &Counters::set_tombstones,
        v1::PublishRequest::PAYLOAD_NOT_SET,
        "",
        "",
        "deleted",
        "tombstones",
        ValidateTombstoneRecord,
        NoPayloadTerms,
        TombstoneTitle,
        NoSummary,
    },
};

}  // namespace

absl::Span<const RecordKindInfo> RecordKinds() { return kKinds; }

const RecordKindInfo* FindRecordKind(v1::RecordBody::PayloadCase payload_case) {
  for (const RecordKindInfo& k : kKinds) {
    if (k.payload_case == payload_case) return &k;
  }
  return nullptr;
}

const RecordKindInfo* FindRecordKind(absl::string_view name) {
  for (const RecordKindInfo& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const RecordKindInfo* FindRecordKind(v1::RecordKind api_kind) {
  for (const RecordKindInfo& k : kKinds) {
    if (k.api_kind == api_kind) return &k;
  }
  return nullptr;
}

const RecordKindInfo* FindPublishKind(
    v1::PublishRequest::PayloadCase publish_case) {
  if (publish_case == v1::PublishRequest::PAYLOAD_NOT_SET) return nullptr;
  for (const RecordKindInfo& k : kKinds) {
    if (k.publish_case == publish_case) return &k;
  }
  return nullptr;
}

absl::Status CopyPublishedPayload(const v1::PublishRequest& request,
                                  v1::RecordBody* body) {
  const RecordKindInfo* kind = FindPublishKind(request.payload_case());
  if (kind == nullptr) {
    std::vector<std::string> names;
    for (const RecordKindInfo& k : kKinds) {
      if (k.publish_case != v1::PublishRequest::PAYLOAD_NOT_SET) {
        names.emplace_back(k.name);
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("payload: set ", names.size() == 2 ? "either " : "one of ",
                     JoinAlternatives(names)));
  }
  // A oneof case's value is its field's number; the two fields hold the same
  // message type (record_kinds_test.cc checks).
  const google::protobuf::FieldDescriptor* from =
      v1::PublishRequest::descriptor()->FindFieldByNumber(
          request.payload_case());
  const google::protobuf::FieldDescriptor* to =
      v1::RecordBody::descriptor()->FindFieldByNumber(kind->payload_case);
  body->GetReflection()->MutableMessage(body, to)->CopyFrom(
      request.GetReflection()->GetMessage(request, from));
  return absl::OkStatus();
}

void CountRecord(const v1::RecordBody& body, int delta, Counters* counters) {
  const RecordKindInfo* kind = KindOf(body);
  if (kind == nullptr) kind = FindRecordKind(v1::RecordBody::kTombstone);
  (counters->*kind->set_count)((counters->*kind->count)() +
                               static_cast<uint64_t>(delta));
}

std::string JoinAlternatives(const std::vector<std::string>& words) {
  if (words.size() <= 1) return absl::StrJoin(words, "");
  return absl::StrCat(
      absl::StrJoin(words.begin(), std::prev(words.end()), ", "), " or ",
      words.back());
}

}  // namespace civhub::node
