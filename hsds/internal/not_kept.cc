#include "hsds/internal/not_kept.h"

#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace civhub::hsds::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The fields of each table that the mapping reads; every other field
// present is counted as not kept.
const std::map<std::string, std::set<std::string>, std::less<>>& KeptFields() {
  static const auto* kept =
      new std::map<std::string, std::set<std::string>, std::less<>>{
          {"organization",
           {"id", "name", "alternate_name", "description", "email", "website",
            "year_incorporated", "legal_status", "parent_organization_id"}},
          {"service",
           {"id", "organization_id", "name", "alternate_name", "description",
            "url", "email", "status", "application_process", "fees_description",
            "eligibility_description", "minimum_age", "maximum_age"}},
          {"location",
           // location_type: a civhub location is a place (physical or
           // postal); a virtual one has no address, so no country, and is
           // dropped with that problem.
           {"id", "organization_id", "name", "latitude", "longitude",
            "location_type"}},
          {"address",
           {"id", "location_id", "address_1", "address_2", "city", "region",
            "state_province", "postal_code", "country", "address_type"}},
          {"phone",
           {"id", "organization_id", "service_id", "location_id", "contact_id",
            "service_at_location_id", "number", "extension", "type",
            "description"}},
          {"organization_identifier",
           {"id", "organization_id", "identifier_scheme", "identifier_type",
            "identifier"}},
          {"service_area",
           {"id", "service_id", "name", "description", "extent"}},
          {"service_at_location",
           {"id", "service_id", "location_id", "description"}},
          {"language",
           {"id", "service_id", "location_id", "phone_id", "code", "name"}},
          {"attribute",
           {"id", "link_id", "link_type", "link_entity", "taxonomy_term_id",
            "taxonomy_term"}},
          {"taxonomy_term", {"id", "code", "name"}},
      };
  return *kept;
}

// Counts the values of rows into a map, table by table.
class Counter {
 public:
  explicit Counter(std::map<std::string, NotKept>* not_kept)
      : not_kept_(not_kept) {}

  // Counts the fields of `m` (a row of `table`) the mapping does not read.
  void Row(const Message& m, const std::string& table,
           const std::string& where) {
    const google::protobuf::Reflection* reflection = m.GetReflection();
    for (const FieldDescriptor* f : NotKeptFields(m, table)) {
      const int count = f->is_repeated() ? reflection->FieldSize(m, f)
                        : reflection->HasField(m, f) ? 1
                                                     : 0;
      if (count == 0) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          !f->is_repeated() && reflection->GetString(m, f).empty()) {
        continue;
      }
      NotKept& n = (*not_kept_)[absl::StrCat(table, ".", f->name())];
      if (n.count == 0) n.first_where = where;
      n.count += count;
    }
  }

  void Whole(const std::string& key, const std::string& where) {
    CountWhole(key, where, not_kept_);
  }

 private:
  // The fields of `m`'s message type (the rows of `table`) that KeptFields
  // does not name, in field order; worked out once per table rather than
  // looked up per field of every row (a 100,000-row package's look-ups
  // were a few percent of civhubctl's import).
  const std::vector<const FieldDescriptor*>& NotKeptFields(
      const Message& m, const std::string& table) {
    auto [it, added] = fields_.try_emplace(table);
    if (added) {
      const auto& kept = KeptFields().at(table);
      const google::protobuf::Descriptor* d = m.GetDescriptor();
      for (int i = 0; i < d->field_count(); ++i) {
        if (kept.count(d->field(i)->name()) == 0) {
          it->second.push_back(d->field(i));
        }
      }
    }
    return it->second;
  }

  std::map<std::string, NotKept>* const not_kept_;
  absl::flat_hash_map<std::string, std::vector<const FieldDescriptor*>>
      fields_;  // By table.
};

}  // namespace

void CountNotKept(const Package& p, std::map<std::string, NotKept>* not_kept) {
  Counter counter(not_kept);
  for (const auto& r : p.organizations)
    counter.Row(r.message, "organization", r.where);
  for (const auto& r : p.services) counter.Row(r.message, "service", r.where);
  for (const auto& r : p.locations) counter.Row(r.message, "location", r.where);
  for (const auto& r : p.addresses) counter.Row(r.message, "address", r.where);
  for (const auto& r : p.phones) {
    if (r.message.organization_id().empty() && r.message.service_id().empty()) {
      // A phone of a location, a contact or a service at a location only.
      counter.Whole("phone.* (not of an organization or a service)", r.where);
    } else {
      counter.Row(r.message, "phone", r.where);
    }
  }
  for (const auto& r : p.organization_identifiers)
    counter.Row(r.message, "organization_identifier", r.where);
  for (const auto& r : p.service_areas)
    counter.Row(r.message, "service_area", r.where);
  for (const auto& r : p.service_at_locations)
    counter.Row(r.message, "service_at_location", r.where);
  for (const auto& r : p.languages) {
    if (r.message.service_id().empty()) {
      counter.Whole("language.* (not of a service)", r.where);
    } else {
      counter.Row(r.message, "language", r.where);
    }
  }
  for (const auto& r : p.attributes)
    counter.Row(r.message, "attribute", r.where);
  for (const auto& r : p.taxonomy_terms)
    counter.Row(r.message, "taxonomy_term", r.where);
}

void CountWhole(const std::string& key, const std::string& where,
                std::map<std::string, NotKept>* not_kept) {
  NotKept& n = (*not_kept)[key];
  if (n.count == 0) n.first_where = where;
  ++n.count;
}

void MergeNotKept(const std::map<std::string, NotKept>& later,
                  std::map<std::string, NotKept>* not_kept) {
  for (const auto& [key, from] : later) {
    NotKept& n = (*not_kept)[key];
    if (n.count == 0) n.first_where = from.first_where;
    n.count += from.count;
  }
}

}  // namespace civhub::hsds::internal
