#include "hsds/to_hsds.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/records/hsds_ids.h"
#include "node/records/taxonomy.h"

namespace civhub::hsds {
namespace {

using google::protobuf::RepeatedPtrField;

// The text in `lang`, else the first; "" if there is none.
const std::string& Pick(const RepeatedPtrField<v1::LocalizedText>& texts,
                        const HsdsOptions& options) {
  static const std::string* const kEmpty = new std::string();
  if (texts.empty()) return *kEmpty;
  for (const v1::LocalizedText& t : texts) {
    if (t.lang() == options.lang) return t.text();
  }
  return texts[0].text();
}

std::string IssuedAt(const v1::RecordBody& body) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(body.issued_at().seconds()),
                          absl::UTCTimeZone());
}

v3::CivhubRecord CivhubOf(const v1::Record& record) {
  v3::CivhubRecord c;
  c.set_origin(record.origin());
  c.set_record_id(record.record_id());
  c.set_version(record.body().version());
  c.set_issued_at(IssuedAt(record.body()));
  return c;
}

// Calls `set` with `value` unless it is empty: HSDS wants an unknown value
// absent, not "".
template <typename Setter>
void SetIfNotEmpty(const std::string& value, Setter set) {
  if (!value.empty()) set(value);
}

const char* NameOf(absl::Span<const node::TaxonomyTerm> terms,
                   absl::string_view code) {
  for (const node::TaxonomyTerm& t : terms) {
    if (t.code == code) return t.name;
  }
  return nullptr;
}

// One attribute per topic (and organization type) of the row `link_id` of
// table `entity`, with its term.
void AddAttributes(absl::string_view link_id, absl::string_view entity,
                   absl::string_view taxonomy,
                   const RepeatedPtrField<std::string>& codes,
                   RepeatedPtrField<v3::Attribute>* out) {
  for (const std::string& code : codes) {
    v3::Attribute* a = out->Add();
    a->set_id(node::HsdsSubId(link_id, "attributes",
                              absl::StrCat(taxonomy, "/", code)));
    a->set_link_id(std::string(link_id));
    a->set_link_entity(std::string(entity));
    a->set_link_type(taxonomy == kTopicsTaxonomy ? "topic"
                                                 : "organization_type");
    *a->mutable_taxonomy_term() = TermOf(taxonomy, code);
    a->set_taxonomy_term_id(a->taxonomy_term().id());
  }
}

// A civhub location as HSDS location `id` of organization `organization_id`,
// with its one address.
v3::Location LocationToHsds(const v1::Location& loc, absl::string_view id,
                            absl::string_view organization_id) {
  v3::Location out;
  out.set_id(std::string(id));
  out.set_location_type("physical");
  out.set_organization_id(std::string(organization_id));
  SetIfNotEmpty(loc.name(), [&](const std::string& v) { out.set_name(v); });
  if (loc.has_latitude() && loc.has_longitude()) {
    out.set_latitude(loc.latitude());
    out.set_longitude(loc.longitude());
  }
  v3::Address* a = out.add_addresses();
  a->set_id(node::HsdsSubId(id, "addresses", "0"));
  a->set_location_id(std::string(id));
  a->set_address_1(loc.address());
  a->set_city(loc.city());
  a->set_state_province(loc.region());
  SetIfNotEmpty(loc.region(), [&](const std::string& v) { a->set_region(v); });
  a->set_postal_code(loc.postal_code());
  a->set_country(loc.country());
  a->set_address_type("physical");
  return out;
}

// The HSDS id of location `loc` (at `index`) of the organization whose HSDS
// id is `organization_id`.
std::string LocationId(absl::string_view organization_id,
                       absl::string_view location_key) {
  return node::HsdsSubId(organization_id, "locations", location_key);
}

}  // namespace

v3::TaxonomyTerm TermOf(absl::string_view taxonomy, absl::string_view code) {
  v3::TaxonomyTerm t;
  t.set_id(node::HsdsTermId(taxonomy, code));
  t.set_code(std::string(code));
  const char* name = NameOf(
      taxonomy == kTopicsTaxonomy ? node::Topics() : node::OrganizationTypes(),
      code);
  t.set_name(name != nullptr ? name : std::string(code));
  t.set_description(
      name != nullptr
          ? std::string(name)
          : absl::StrCat("A local code of this network (", code, ")"));
  t.set_taxonomy(std::string(taxonomy));
  t.set_taxonomy_id(node::HsdsTaxonomyId(taxonomy));
  t.set_language("en");
  return t;
}

v3::Organization OrganizationToHsds(const v1::Record& record,
                                    const HsdsOptions& options) {
  const v1::Organization& org = record.body().organization();
  v3::Organization out;
  const std::string id = node::HsdsId(record.origin(), record.record_id());
  out.set_id(id);
  out.set_name(Pick(org.names(), options));
  out.set_description(Pick(org.descriptions(), options));
  if (!org.alternate_name().empty()) {
    out.set_alternate_name(org.alternate_name());
  } else if (!org.acronym().empty()) {
    out.set_alternate_name(org.acronym());
  }
  SetIfNotEmpty(org.email(), [&](const std::string& v) { out.set_email(v); });
  SetIfNotEmpty(org.website(),
                [&](const std::string& v) { out.set_website(v); });
  if (org.year_incorporated() != 0) {
    out.set_year_incorporated(org.year_incorporated());
  }
  SetIfNotEmpty(org.legal_status(),
                [&](const std::string& v) { out.set_legal_status(v); });
  if (org.has_parent()) {
    out.set_parent_organization_id(
        node::HsdsId(org.parent().origin(), org.parent().record_id()));
  }
  if (!org.phone().empty()) {
    v3::Phone* p = out.add_phones();
    p->set_id(node::HsdsSubId(id, "phones", "0"));
    p->set_organization_id(id);
    p->set_number(org.phone());
  }
  for (int i = 0; i < org.locations_size(); ++i) {
    const v1::Location& loc = org.locations(i);
    *out.add_locations() = LocationToHsds(
        loc, LocationId(id, loc.id().empty() ? absl::StrCat(i) : loc.id()), id);
  }
  for (int i = 0; i < org.identifiers_size(); ++i) {
    const v1::Identifier& ident = org.identifiers(i);
    v3::OrganizationIdentifier* o = out.add_organization_identifiers();
    o->set_id(node::HsdsSubId(id, "organization_identifiers", absl::StrCat(i)));
    o->set_organization_id(id);
    o->set_identifier_scheme(ident.scheme());
    o->set_identifier_type(ident.scheme());
    o->set_identifier(ident.identifier());
  }
  AddAttributes(id, "organization", kTopicsTaxonomy, org.topics(),
                out.mutable_attributes());
  AddAttributes(id, "organization", kTypesTaxonomy, org.types(),
                out.mutable_attributes());
  *out.mutable_civhub() = CivhubOf(record);
  return out;
}

std::string ServiceAtLocationId(absl::string_view service_hsds_id,
                                absl::string_view entry_id) {
  return node::HsdsSubId(service_hsds_id, "service_at_location", entry_id);
}

std::vector<v3::ServiceAtLocation> ServiceAtLocationsOf(
    const v1::Record& record, const HsdsOptions& options) {
  const v1::Service& svc = record.body().service();
  const std::string id = node::HsdsId(record.origin(), record.record_id());
  const std::string provider =
      node::HsdsId(svc.organization().origin(), svc.organization().record_id());
  std::vector<v3::ServiceAtLocation> out;
  for (const v1::ServiceLocation& at : svc.locations()) {
    v3::ServiceAtLocation s;
    s.set_id(ServiceAtLocationId(id, at.id()));
    s.set_service_id(id);
    const std::string location_id = LocationId(provider, at.location_id());
    s.set_location_id(location_id);
    const std::string& description = Pick(at.descriptions(), options);
    if (!description.empty()) s.set_description(description);
    *s.mutable_location() =
        LocationToHsds(at.location(), location_id, provider);
    out.push_back(std::move(s));
  }
  return out;
}

v3::Service ServiceToHsds(const v1::Record& record,
                          const HsdsOptions& options) {
  const v1::Service& svc = record.body().service();
  v3::Service out;
  const std::string id = node::HsdsId(record.origin(), record.record_id());
  out.set_id(id);
  out.set_organization_id(node::HsdsId(svc.organization().origin(),
                                       svc.organization().record_id()));
  out.set_name(Pick(svc.names(), options));
  out.set_status(svc.status());
  SetIfNotEmpty(Pick(svc.descriptions(), options),
                [&](const std::string& v) { out.set_description(v); });
  SetIfNotEmpty(Pick(svc.application_process(), options),
                [&](const std::string& v) { out.set_application_process(v); });
  SetIfNotEmpty(Pick(svc.fees(), options),
                [&](const std::string& v) { out.set_fees_description(v); });
  SetIfNotEmpty(Pick(svc.eligibility(), options), [&](const std::string& v) {
    out.set_eligibility_description(v);
  });
  SetIfNotEmpty(svc.alternate_name(),
                [&](const std::string& v) { out.set_alternate_name(v); });
  SetIfNotEmpty(svc.url(), [&](const std::string& v) { out.set_url(v); });
  SetIfNotEmpty(svc.email(), [&](const std::string& v) { out.set_email(v); });
  if (svc.has_minimum_age()) out.set_minimum_age(svc.minimum_age());
  if (svc.has_maximum_age()) out.set_maximum_age(svc.maximum_age());
  out.set_last_modified(IssuedAt(record.body()));
  for (int i = 0; i < svc.phones_size(); ++i) {
    const v1::Phone& p = svc.phones(i);
    v3::Phone* h = out.add_phones();
    h->set_id(node::HsdsSubId(id, "phones", absl::StrCat(i)));
    h->set_service_id(id);
    h->set_number(p.number());
    double extension = 0;
    if (!p.extension().empty() && absl::SimpleAtod(p.extension(), &extension)) {
      h->set_extension(extension);
    }
    SetIfNotEmpty(p.type(), [&](const std::string& v) { h->set_type(v); });
    SetIfNotEmpty(p.description(),
                  [&](const std::string& v) { h->set_description(v); });
  }
  for (const std::string& area : svc.areas_served()) {
    v3::ServiceArea* a = out.add_service_areas();
    a->set_id(node::HsdsSubId(id, "service_areas", area));
    a->set_service_id(id);
    a->set_name(area);
    a->set_description(absl::StrCat("ISO 3166 area ", area));
  }
  for (int i = 0; i < svc.area_descriptions_size(); ++i) {
    v3::ServiceArea* a = out.add_service_areas();
    a->set_id(
        node::HsdsSubId(id, "service_areas", absl::StrCat("description/", i)));
    a->set_service_id(id);
    a->set_name(svc.area_descriptions(i).text());
  }
  for (const std::string& code : svc.languages()) {
    v3::Language* l = out.add_languages();
    l->set_id(node::HsdsSubId(id, "languages", code));
    l->set_service_id(id);
    l->set_code(code);
  }
  for (v3::ServiceAtLocation& at : ServiceAtLocationsOf(record, options)) {
    *out.add_service_at_locations() = std::move(at);
  }
  AddAttributes(id, "service", kTopicsTaxonomy, svc.topics(),
                out.mutable_attributes());
  *out.mutable_civhub() = CivhubOf(record);
  return out;
}

std::vector<v3::Taxonomy> Taxonomies() {
  std::vector<v3::Taxonomy> out;
  for (auto [name, description] :
       {std::make_pair(kTopicsTaxonomy,
                       "What civil society organizations, communities and "
                       "services work on (civhub's topic codes; local codes "
                       "start with x-)"),
        std::make_pair(
            kTypesTaxonomy,
            "Kinds of civil society organization (civhub's "
            "organization type codes; local codes start with x-)")}) {
    v3::Taxonomy t;
    t.set_id(node::HsdsTaxonomyId(name));
    t.set_name(std::string(name));
    t.set_description(description);
    t.set_version("1");
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<v3::TaxonomyTerm> TaxonomyTerms(
    const std::vector<std::string>& local_topics,
    const std::vector<std::string>& local_types) {
  std::vector<v3::TaxonomyTerm> out;
  for (const node::TaxonomyTerm& t : node::Topics()) {
    out.push_back(TermOf(kTopicsTaxonomy, t.code));
  }
  for (const std::string& code : local_topics) {
    out.push_back(TermOf(kTopicsTaxonomy, code));
  }
  for (const node::TaxonomyTerm& t : node::OrganizationTypes()) {
    out.push_back(TermOf(kTypesTaxonomy, t.code));
  }
  for (const std::string& code : local_types) {
    out.push_back(TermOf(kTypesTaxonomy, code));
  }
  return out;
}

}  // namespace civhub::hsds
