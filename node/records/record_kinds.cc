#include "node/records/record_kinds.h"

#include <iterator>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "node/records/index_terms.h"
#include "node/records/internal/matchmaking_kinds.h"
#include "node/records/internal/record_details.h"
#include "node/records/payload_terms.h"
#include "node/records/validate.h"

namespace civhub::node {
namespace {

using internal::Add;
using internal::AddLocalized;
using internal::EventDetails;
using internal::EventSummary;
using internal::EventTitle;
using internal::LocationLine;
using internal::NeedDetails;
using internal::NeedSummary;
using internal::NeedTitle;
using internal::OfferDetails;
using internal::OfferSummary;
using internal::OfferTitle;
using internal::PlaceOf;
using internal::RegistrationDetails;
using internal::RegistrationTitle;

// Each kind's title and summary (the matchmaking kinds' are in
// internal/matchmaking_kinds.cc).

std::string OrganizationTitle(const v1::RecordBody& body) {
  const v1::Organization& o = body.organization();
  std::string name = o.names().empty() ? "(unnamed)" : o.names(0).text();
  if (!o.acronym().empty()) absl::StrAppend(&name, " (", o.acronym(), ")");
  return name;
}

RecordSummary OrganizationSummary(const v1::RecordBody& body) {
  const v1::Organization& o = body.organization();
  RecordSummary s;
  if (o.locations_size() > 0) s.place = PlaceOf(o.locations(0));
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

std::string ServiceTitle(const v1::RecordBody& body) {
  const v1::Service& svc = body.service();
  return svc.names().empty() ? "(unnamed)" : svc.names(0).text();
}

// Where the service is offered first, else the areas it serves.
RecordSummary ServiceSummary(const v1::RecordBody& body) {
  const v1::Service& svc = body.service();
  RecordSummary s;
  if (svc.locations_size() > 0) {
    s.place = PlaceOf(svc.locations(0).location());
  } else {
    s.place = absl::StrJoin(svc.areas_served(), " ");
  }
  s.topics.assign(svc.topics().begin(), svc.topics().end());
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

// Each kind's details.

std::vector<RecordDetail> OrganizationDetails(const v1::RecordBody& body) {
  const v1::Organization& o = body.organization();
  std::vector<RecordDetail> out;
  AddLocalized("names", o.names(), &out);
  Add("also known", o.alternate_name(), &out);
  Add("types", absl::StrJoin(o.types(), ", "), &out);
  Add("topics", absl::StrJoin(o.topics(), ", "), &out);
  std::vector<std::string> ids;
  for (const auto& id : o.identifiers()) {
    ids.push_back(absl::StrCat(id.scheme(), " ", id.identifier()));
  }
  Add("identifiers", absl::StrJoin(ids, ", "), &out);
  for (const auto& l : o.locations()) {
    Add("location", LocationLine(l), &out);
  }
  if (o.has_parent()) {
    Add("part of", MemberKey(o.parent().origin(), o.parent().record_id()),
        &out);
  }
  Add("serves", absl::StrJoin(o.areas_served(), ", "), &out);
  Add("languages", absl::StrJoin(o.languages(), ", "), &out);
  Add("website", o.website(), &out);
  Add("email", o.email(), &out);
  Add("phone", o.phone(), &out);
  if (o.year_incorporated() != 0) {
    Add("founded", absl::StrCat(o.year_incorporated()), &out);
  }
  AddLocalized("about", o.descriptions(), &out);
  return out;
}

std::vector<RecordDetail> CommunityDetails(const v1::RecordBody& body) {
  const v1::Community& c = body.community();
  std::vector<RecordDetail> out;
  AddLocalized("names", c.names(), &out);
  Add("topics", absl::StrJoin(c.topics(), ", "), &out);
  Add("scope", CommunitySummary(body).place, &out);
  Add("website", c.website(), &out);
  AddLocalized("meets", c.meeting_info(), &out);
  Add("members", absl::StrCat(c.memberships_size()), &out);
  AddLocalized("mission", c.missions(), &out);
  return out;
}

std::vector<RecordDetail> ServiceDetails(const v1::RecordBody& body) {
  const v1::Service& svc = body.service();
  std::vector<RecordDetail> out;
  AddLocalized("names", svc.names(), &out);
  Add("also known", svc.alternate_name(), &out);
  Add("provided by",
      MemberKey(svc.organization().origin(), svc.organization().record_id()),
      &out);
  Add("status", svc.status(), &out);
  Add("topics", absl::StrJoin(svc.topics(), ", "), &out);
  for (const auto& at : svc.locations()) {
    Add("offered at", LocationLine(at.location()), &out);
  }
  Add("serves", absl::StrJoin(svc.areas_served(), ", "), &out);
  AddLocalized("area", svc.area_descriptions(), &out);
  Add("languages", absl::StrJoin(svc.languages(), ", "), &out);
  Add("website", svc.url(), &out);
  Add("email", svc.email(), &out);
  for (const auto& p : svc.phones()) {
    std::string line = p.number();
    if (!p.extension().empty()) absl::StrAppend(&line, " ext. ", p.extension());
    if (!p.type().empty()) absl::StrAppend(&line, " (", p.type(), ")");
    if (!p.description().empty()) absl::StrAppend(&line, " ", p.description());
    Add("phone", std::move(line), &out);
  }
  if (svc.has_minimum_age() || svc.has_maximum_age()) {
    Add("ages",
        absl::StrCat(
            svc.has_minimum_age() ? absl::StrCat(svc.minimum_age()) : "", "-",
            svc.has_maximum_age() ? absl::StrCat(svc.maximum_age()) : ""),
        &out);
  }
  AddLocalized("fees", svc.fees(), &out);
  AddLocalized("eligibility", svc.eligibility(), &out);
  AddLocalized("how to apply", svc.application_process(), &out);
  AddLocalized("about", svc.descriptions(), &out);
  return out;
}

std::vector<RecordDetail> TombstoneDetails(const v1::RecordBody& body) {
  std::vector<RecordDetail> out;
  Add("reason", body.tombstone().reason(), &out);
  return out;
}

std::vector<RecordDetail> HubProfileDetails(const v1::RecordBody& body) {
  const v1::HubProfile& p = body.hub_profile();
  std::vector<RecordDetail> out;
  Add("name", p.name(), &out);
  Add("region", p.region(), &out);
  Add("contact", p.contact(), &out);
  Add("federation", p.federation_address(), &out);
  return out;
}

std::vector<RecordDetail> PeerLinkDetails(const v1::RecordBody& body) {
  std::vector<RecordDetail> out;
  Add("linked to", body.peer_link().peer(), &out);
  out.back().hub_id = true;
  return out;
}

using storage::Counters;

// The publishable kinds first, in the order they were added; then the hub's
// system records; tombstones last. Messages list the kinds in this order
// ("one of organization, community or service"), and so does the store
// check.
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
        OrganizationDetails,
        /*http_path=*/"organizations",
        /*hsds_object=*/"organization",
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
        CommunityDetails,
    },
    {
        v1::RecordBody::kService,
        "service",
        v1::RECORD_KIND_SERVICE,
        's',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::services,
        &Counters::set_services,
        v1::PublishRequest::kService,
        "service",
        "Service records (what an organization offers people)",
        "service",
        "services",
        ValidateServiceRecord,
        ServiceTerms,
        ServiceTitle,
        ServiceSummary,
        ServiceDetails,
        /*http_path=*/"services",
        /*hsds_object=*/"service",
    },
    {
        v1::RecordBody::kNeed,
        "need",
        v1::RECORD_KIND_NEED,
        'n',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::needs,
        &Counters::set_needs,
        v1::PublishRequest::kNeed,
        "need",
        "Needs (help an organization is looking for)",
        "need",
        "needs",
        ValidateNeedRecord,
        NeedTerms,
        NeedTitle,
        NeedSummary,
        NeedDetails,
    },
    {
        v1::RecordBody::kOffer,
        "offer",
        v1::RECORD_KIND_OFFER,
        'f',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::offers,
        &Counters::set_offers,
        v1::PublishRequest::kOffer,
        "offer",
        "Offers of help (from an organization or a volunteer)",
        "offer",
        "offers",
        ValidateOfferRecord,
        OfferTerms,
        OfferTitle,
        OfferSummary,
        OfferDetails,
    },
    {
        v1::RecordBody::kEvent,
        "event",
        v1::RECORD_KIND_EVENT,
        'v',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::events,
        &Counters::set_events,
        v1::PublishRequest::kEvent,
        "event",
        "Events (TechCamps, trainings, hackathons, meetups)",
        "event",
        "events",
        ValidateEventRecord,
        EventTerms,
        EventTitle,
        EventSummary,
        EventDetails,
    },
    {
        v1::RecordBody::kRegistration,
        "registration",
        v1::RECORD_KIND_REGISTRATION,
        'g',
        /*searchable=*/true,
        /*system=*/false,
        &Counters::registrations,
        &Counters::set_registrations,
        v1::PublishRequest::kRegistration,
        "registration",
        "Registrations (an organization of this hub attends an event)",
        "registration",
        "registrations",
        ValidateRegistrationRecord,
        RegistrationTerms,
        RegistrationTitle,
        NoSummary,
        RegistrationDetails,
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
        HubProfileDetails,
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
        PeerLinkDetails,
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
        TombstoneDetails,
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

namespace {

// The payload field of `request` and the field of a RecordBody that takes
// it, or INVALID_ARGUMENT naming the publishable kinds if `request` has
// none. A oneof case's value is its field's number; the two fields hold the
// same message type (record_kinds_test.cc checks).
absl::StatusOr<std::pair<const google::protobuf::FieldDescriptor*,
                         const google::protobuf::FieldDescriptor*>>
PayloadFields(const v1::PublishRequest& request) {
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
  return std::make_pair(
      v1::PublishRequest::descriptor()->FindFieldByNumber(
          request.payload_case()),
      v1::RecordBody::descriptor()->FindFieldByNumber(kind->payload_case));
}

}  // namespace

absl::Status CopyPublishedPayload(const v1::PublishRequest& request,
                                  v1::RecordBody* body) {
  auto fields = PayloadFields(request);
  if (!fields.ok()) return fields.status();
  auto [from, to] = *fields;
  body->GetReflection()->MutableMessage(body, to)->CopyFrom(
      request.GetReflection()->GetMessage(request, from));
  return absl::OkStatus();
}

absl::Status SwapPublishedPayload(v1::PublishRequest* request,
                                  v1::RecordBody* body) {
  auto fields = PayloadFields(*request);
  if (!fields.ok()) return fields.status();
  auto [from, to] = *fields;
  google::protobuf::Message* mine =
      request->GetReflection()->MutableMessage(request, from);
  mine->GetReflection()->Swap(mine,
                              body->GetReflection()->MutableMessage(body, to));
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

std::string WithArticle(absl::string_view noun) {
  const bool vowel = !noun.empty() && absl::StrContains("aeiou", noun.front());
  return absl::StrCat(vowel ? "an " : "a ", noun);
}

}  // namespace civhub::node
