#include "node/records/index_terms.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "crypto/keys.h"
#include "node/records/capabilities.h"
#include "node/records/hsds_ids.h"
#include "node/records/payload_terms.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/text.h"

namespace civhub::node {
namespace {

void AddText(absl::string_view text, uint8_t weight, IndexTerms* terms) {
  std::vector<std::string> tokens;
  AppendIndexTerms(text, &tokens);
  for (std::string& t : tokens) {
    uint8_t& w = terms->tokens[std::move(t)];
    if (weight > w) w = weight;
  }
}

// "KE-30" adds region KE-30 and country KE; "KE" adds country KE.
void AddArea(const std::string& code, IndexTerms* terms) {
  size_t dash = code.find('-');
  if (dash == std::string::npos) {
    terms->filters.emplace(kFieldCountry, code);
  } else {
    terms->filters.emplace(kFieldRegion, code);
    terms->filters.emplace(kFieldCountry, code.substr(0, dash));
  }
}

// A place: its country and region, and its point when it has one.
void AddLocation(const v1::Location& loc, IndexTerms* terms) {
  AddArea(loc.country(), terms);
  if (!loc.region().empty()) AddArea(loc.region(), terms);
  if (loc.has_latitude() && loc.has_longitude()) {
    terms->points.emplace_back(loc.latitude(), loc.longitude());
  }
}

void AddLocalized(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    uint8_t weight, IndexTerms* terms) {
  for (const v1::LocalizedText& t : texts) {
    AddText(t.text(), weight, terms);
    terms->filters.emplace(kFieldLanguage, t.lang());
  }
}

void AddCodes(char field,
              const google::protobuf::RepeatedPtrField<std::string>& codes,
              IndexTerms* terms) {
  for (const std::string& c : codes) terms->filters.emplace(field, c);
}

void AddRef(char field, const v1::RecordRef& ref, IndexTerms* terms) {
  terms->filters.emplace(field, MemberKey(ref.origin(), ref.record_id()));
}

// Each capability and its group.
void AddCapabilities(
    const google::protobuf::RepeatedPtrField<std::string>& codes,
    IndexTerms* terms) {
  for (const std::string& c : codes) {
    terms->filters.emplace(kFieldCapability, c);
    absl::string_view group = CapabilityGroup(c);
    if (!group.empty()) {
      terms->filters.emplace(kFieldCapability, std::string(group));
    }
  }
}

void AddExpiry(const google::protobuf::Timestamp& expires, IndexTerms* terms) {
  terms->filters.emplace(
      kFieldExpires,
      absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(expires.seconds()),
                       absl::UTCTimeZone()));
}

}  // namespace

std::string MemberKey(absl::string_view hub_id, absl::string_view record_id) {
  return absl::StrCat(hub_id, "/", record_id);
}

std::string RecordHsdsId(const v1::RecordBody& body) {
  return HsdsId(crypto::HubIdOf(body.origin()), body.record_id());
}

IndexTerms DeriveIndexTerms(const v1::RecordBody& body) {
  IndexTerms terms;
  const RecordKindInfo* kind = KindOf(body);
  if (kind == nullptr) return terms;
  if (kind->searchable) terms.filters.emplace(kFieldAll, "");
  if (kind->index_letter != '\0') {
    terms.filters.emplace(kFieldKind, std::string(1, kind->index_letter));
  }
  if (!kind->hsds_object.empty()) {
    terms.filters.emplace(kFieldHsdsId, RecordHsdsId(body));
  }
  kind->index_terms(body, &terms);
  return terms;
}

void OrganizationTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Organization& org = body.organization();
  AddLocalized(org.names(), kWeightName, terms);
  AddLocalized(org.descriptions(), kWeightText, terms);
  AddText(org.alternate_name(), kWeightName, terms);
  AddText(org.acronym(), kWeightName, terms);
  for (const auto& id : org.identifiers()) {
    terms->filters.emplace(kFieldIdentifier,
                           absl::StrCat(id.scheme(), " ", id.identifier()));
  }
  for (const auto& type : org.types()) {
    terms->filters.emplace(kFieldOrgType, type);
  }
  for (const auto& loc : org.locations()) AddLocation(loc, terms);
  for (const auto& area : org.areas_served()) AddArea(area, terms);
  for (const auto& lang : org.languages()) {
    terms->filters.emplace(kFieldLanguage, lang);
  }
  for (const auto& topic : org.topics()) {
    terms->filters.emplace(kFieldTopic, topic);
  }
}

void CommunityTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Community& c = body.community();
  AddLocalized(c.names(), kWeightName, terms);
  AddLocalized(c.missions(), kWeightText, terms);
  for (const auto& topic : c.topics()) {
    terms->filters.emplace(kFieldTopic, topic);
  }
  for (const auto& area : c.region_scope()) AddArea(area, terms);
  for (const auto& m : c.memberships()) {
    terms->filters.emplace(
        kFieldMember,
        MemberKey(m.organization().origin(), m.organization().record_id()));
  }
}

void ServiceTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Service& svc = body.service();
  AddLocalized(svc.names(), kWeightName, terms);
  AddLocalized(svc.descriptions(), kWeightText, terms);
  AddLocalized(svc.eligibility(), kWeightText, terms);
  AddText(svc.alternate_name(), kWeightName, terms);
  for (const auto& at : svc.locations()) AddLocation(at.location(), terms);
  if (!svc.locations().empty()) {
    // Its HSDS service_at_location ids find the service itself: HSDS has a
    // row per (service, location), civhub the service's locations.
    const std::string service_id = RecordHsdsId(body);
    for (const auto& at : svc.locations()) {
      terms->filters.emplace(
          kFieldHsdsId, HsdsSubId(service_id, "service_at_location", at.id()));
    }
  }
  for (const auto& area : svc.areas_served()) AddArea(area, terms);
  for (const auto& lang : svc.languages()) {
    terms->filters.emplace(kFieldLanguage, lang);
  }
  for (const auto& topic : svc.topics()) {
    terms->filters.emplace(kFieldTopic, topic);
  }
  terms->filters.emplace(
      kFieldProvider,
      MemberKey(svc.organization().origin(), svc.organization().record_id()));
}

void NeedTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Need& n = body.need();
  AddLocalized(n.titles(), kWeightName, terms);
  AddLocalized(n.descriptions(), kWeightText, terms);
  AddCapabilities(n.capabilities(), terms);
  AddRef(kFieldOwner, n.organization(), terms);
  AddCodes(kFieldLanguage, n.languages(), terms);
  AddCodes(kFieldTopic, n.topics(), terms);
  if (n.work_place().has_location()) {
    AddLocation(n.work_place().location(), terms);
  }
  AddExpiry(n.expires_at(), terms);
}

void OfferTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Offer& o = body.offer();
  AddLocalized(o.titles(), kWeightName, terms);
  AddLocalized(o.descriptions(), kWeightText, terms);
  AddText(o.volunteer().display_name(), kWeightName, terms);
  AddCapabilities(o.capabilities(), terms);
  if (o.has_organization()) AddRef(kFieldOwner, o.organization(), terms);
  AddCodes(kFieldLanguage, o.languages(), terms);
  AddCodes(kFieldTopic, o.topics(), terms);
  if (o.work_place().has_location()) {
    AddLocation(o.work_place().location(), terms);
  }
  AddExpiry(o.expires_at(), terms);
}

void EventTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Event& e = body.event();
  AddLocalized(e.names(), kWeightName, terms);
  AddLocalized(e.descriptions(), kWeightText, terms);
  for (const v1::RecordRef& org : e.organizers()) {
    AddRef(kFieldOwner, org, terms);
  }
  AddCodes(kFieldLanguage, e.languages(), terms);
  AddCodes(kFieldTopic, e.topics(), terms);
  if (e.has_place()) AddLocation(e.place(), terms);
  for (std::string& month : OccurrenceMonths(e)) {
    terms->filters.emplace(kFieldMonth, std::move(month));
  }
}

void RegistrationTerms(const v1::RecordBody& body, IndexTerms* terms) {
  const v1::Registration& r = body.registration();
  AddLocalized(r.notes(), kWeightText, terms);
  AddRef(kFieldEvent, r.event(), terms);
  AddRef(kFieldOwner, r.organization(), terms);
}

void NoPayloadTerms(const v1::RecordBody&, IndexTerms*) {}

}  // namespace civhub::node
