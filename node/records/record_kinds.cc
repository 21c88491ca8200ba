#include "node/records/record_kinds.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "node/records/index_terms.h"
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

// "Nairobi, KE-30": the city and the region (or the country).
std::string PlaceOf(const v1::Location& l) {
  std::vector<std::string> parts;
  if (!l.city().empty()) parts.push_back(l.city());
  parts.push_back(l.region().empty() ? l.country() : l.region());
  return absl::StrJoin(parts, ", ");
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

void Add(absl::string_view label, std::string value,
         std::vector<RecordDetail>* out) {
  RecordDetail d{std::string(label), {}};
  if (!value.empty()) d.lines.push_back(std::move(value));
  out->push_back(std::move(d));
}

void AddLocalized(
    absl::string_view label,
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    std::vector<RecordDetail>* out) {
  RecordDetail d{std::string(label), {}};
  for (const v1::LocalizedText& t : texts) {
    d.lines.push_back(absl::StrCat("[", t.lang(), "] ", t.text()));
  }
  out->push_back(std::move(d));
}

// "Kibera office: Olympic Rd, Nairobi, KE-30, KE (-1.3133, 36.7876)".
std::string LocationLine(const v1::Location& l) {
  std::vector<std::string> parts;
  for (const std::string* p :
       {&l.address(), &l.city(), &l.region(), &l.country()}) {
    if (!p->empty()) parts.push_back(*p);
  }
  std::string where = absl::StrJoin(parts, ", ");
  if (!l.name().empty()) where = absl::StrCat(l.name(), ": ", where);
  if (l.has_latitude()) {
    absl::StrAppend(
        &where, absl::StrFormat(" (%.4f, %.4f)", l.latitude(), l.longitude()));
  }
  return where;
}

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

std::string FirstText(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts) {
  return texts.empty() ? "(untitled)" : texts[0].text();
}

std::string RefKey(const v1::RecordRef& ref) {
  return MemberKey(ref.origin(), ref.record_id());
}

std::string TimeLine(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC",
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

// "2026-07-01 00:00 UTC – 2026-08-01 00:00 UTC", "from ... (ongoing)".
std::string WindowLine(const v1::TimeWindow& w) {
  if (!w.has_end()) return absl::StrCat("from ", TimeLine(w.start()));
  return absl::StrCat(TimeLine(w.start()), " – ", TimeLine(w.end()));
}

// "on-site: Nairobi, KE-30 (within 25 km)", "remote".
std::string WorkPlaceLine(const v1::WorkPlace& wp) {
  std::string line = wp.mode();
  if (wp.has_location()) {
    absl::StrAppend(&line, ": ", LocationLine(wp.location()));
    if (wp.radius_km() > 0) {
      absl::StrAppend(&line,
                      absl::StrFormat(" (within %g km)", wp.radius_km()));
    }
  }
  return line;
}

std::string WorkPlaceSummary(const v1::WorkPlace& wp) {
  if (!wp.has_location()) return wp.mode();
  return PlaceOf(wp.location());
}

std::string NeedTitle(const v1::RecordBody& body) {
  return FirstText(body.need().titles());
}

RecordSummary NeedSummary(const v1::RecordBody& body) {
  const v1::Need& n = body.need();
  RecordSummary s;
  s.place = WorkPlaceSummary(n.work_place());
  s.topics.assign(n.capabilities().begin(), n.capabilities().end());
  return s;
}

std::vector<RecordDetail> NeedDetails(const v1::RecordBody& body) {
  const v1::Need& n = body.need();
  std::vector<RecordDetail> out;
  AddLocalized("titles", n.titles(), &out);
  Add("for", RefKey(n.organization()), &out);
  Add("status", n.status(), &out);
  Add("capability", absl::StrJoin(n.capabilities(), ", "), &out);
  Add("where", WorkPlaceLine(n.work_place()), &out);
  Add("languages", absl::StrJoin(n.languages(), ", "), &out);
  Add("when", n.has_window() ? WindowLine(n.window()) : "ongoing", &out);
  if (n.effort_hours() > 0) {
    Add("effort", absl::StrCat(n.effort_hours(), " hours"), &out);
  }
  Add("priority", n.priority().empty() ? "normal" : n.priority(), &out);
  Add("expires", TimeLine(n.expires_at()), &out);
  Add("topics", absl::StrJoin(n.topics(), ", "), &out);
  AddLocalized("about", n.descriptions(), &out);
  return out;
}

std::string OfferTitle(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  std::string title = FirstText(o.titles());
  if (o.has_volunteer()) {
    absl::StrAppend(&title, " (", o.volunteer().display_name(), ")");
  }
  return title;
}

RecordSummary OfferSummary(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  RecordSummary s;
  s.place = WorkPlaceSummary(o.work_place());
  s.topics.assign(o.capabilities().begin(), o.capabilities().end());
  return s;
}

std::vector<RecordDetail> OfferDetails(const v1::RecordBody& body) {
  const v1::Offer& o = body.offer();
  std::vector<RecordDetail> out;
  AddLocalized("titles", o.titles(), &out);
  if (o.has_organization()) {
    Add("from", RefKey(o.organization()), &out);
  } else {
    Add("volunteer", o.volunteer().display_name(), &out);
    Add("email", o.volunteer().email(), &out);
    Add("phone", o.volunteer().phone(), &out);
  }
  Add("status", o.status(), &out);
  Add("capability", absl::StrJoin(o.capabilities(), ", "), &out);
  Add("where", WorkPlaceLine(o.work_place()), &out);
  Add("languages", absl::StrJoin(o.languages(), ", "), &out);
  Add("when", o.has_window() ? WindowLine(o.window()) : "ongoing", &out);
  if (o.hours_per_month() > 0) {
    Add("capacity", absl::StrCat(o.hours_per_month(), " hours a month"), &out);
  }
  Add("expires", TimeLine(o.expires_at()), &out);
  Add("topics", absl::StrJoin(o.topics(), ", "), &out);
  AddLocalized("about", o.descriptions(), &out);
  return out;
}

// The zone an event's times are shown in: its own, UTC for all-day events.
absl::TimeZone EventZone(const v1::Event& e) {
  absl::TimeZone tz;
  if (e.all_day() || !absl::LoadTimeZone(e.time_zone(), &tz)) {
    return absl::UTCTimeZone();
  }
  return tz;
}

std::string EventTitle(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  return absl::StrCat(
      FirstText(e.names()), " (",
      absl::FormatTime("%Y-%m-%d",
                       absl::FromUnixSeconds(e.starts_at().seconds()),
                       EventZone(e)),
      ")");
}

RecordSummary EventSummary(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  RecordSummary s;
  if (e.has_place()) {
    s.place = PlaceOf(e.place());
  } else if (!e.online_url().empty()) {
    s.place = "online";
  }
  s.topics.assign(e.topics().begin(), e.topics().end());
  return s;
}

std::vector<RecordDetail> EventDetails(const v1::RecordBody& body) {
  const v1::Event& e = body.event();
  std::vector<RecordDetail> out;
  AddLocalized("names", e.names(), &out);
  Add("type", e.event_type(), &out);
  Add("status", e.status(), &out);
  RecordDetail organizers{"organizers", {}};
  for (const v1::RecordRef& ref : e.organizers()) {
    organizers.lines.push_back(RefKey(ref));
  }
  out.push_back(std::move(organizers));
  if (e.has_community()) Add("community", RefKey(e.community()), &out);
  if (e.all_day()) {
    Add("when",
        absl::StrCat(
            absl::FormatTime("%Y-%m-%d",
                             absl::FromUnixSeconds(e.starts_at().seconds()),
                             absl::UTCTimeZone()),
            " – ",
            absl::FormatTime(
                "%Y-%m-%d",
                absl::FromUnixSeconds(e.ends_at().seconds()) - absl::Seconds(1),
                absl::UTCTimeZone()),
            " (all day)"),
        &out);
  } else {
    const absl::TimeZone tz = EventZone(e);
    Add("when",
        absl::StrCat(
            absl::FormatTime("%Y-%m-%d %H:%M",
                             absl::FromUnixSeconds(e.starts_at().seconds()),
                             tz),
            " – ",
            absl::FormatTime("%Y-%m-%d %H:%M",
                             absl::FromUnixSeconds(e.ends_at().seconds()), tz),
            " ", e.time_zone()),
        &out);
  }
  Add("repeats", e.recurrence(), &out);
  if (e.has_place()) Add("place", LocationLine(e.place()), &out);
  Add("online", e.online_url(), &out);
  Add("languages", absl::StrJoin(e.languages(), ", "), &out);
  Add("topics", absl::StrJoin(e.topics(), ", "), &out);
  if (e.capacity() > 0) Add("capacity", absl::StrCat(e.capacity()), &out);
  if (e.has_replicates()) Add("modeled on", RefKey(e.replicates()), &out);
  Add("website", e.url(), &out);
  AddLocalized("about", e.descriptions(), &out);
  return out;
}

std::string RegistrationTitle(const v1::RecordBody& body) {
  // "kalayaan-digital at techcamp-lima: going, 2 people".
  const v1::Registration& r = body.registration();
  return absl::StrCat(r.organization().record_id(), " at ",
                      r.event().record_id(), ": ", r.status(), ", ",
                      r.attendees(),
                      r.attendees() == 1 ? " person" : " people");
}

std::vector<RecordDetail> RegistrationDetails(const v1::RecordBody& body) {
  const v1::Registration& r = body.registration();
  std::vector<RecordDetail> out;
  Add("event", RefKey(r.event()), &out);
  Add("attendee", RefKey(r.organization()), &out);
  Add("status", r.status(), &out);
  Add("attendees", absl::StrCat(r.attendees()), &out);
  AddLocalized("notes", r.notes(), &out);
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
