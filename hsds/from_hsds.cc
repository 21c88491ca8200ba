#include "hsds/from_hsds.h"

#include <cmath>
#include <map>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hsds/codes.h"
#include "hsds/internal/locations.h"
#include "hsds/internal/mapped_check.h"
#include "hsds/internal/not_kept.h"
#include "hsds/internal/reading.h"
#include "node/records/hsds_ids.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/validate.h"

namespace civhub::hsds {
namespace {

using internal::Shorten;
using internal::Trimmed;

// "hsds-" + the lower-case UUID.
std::string RecordIdOf(absl::string_view uuid) {
  return absl::StrCat(node::kHsdsRecordIdPrefix, node::NormalizeUuid(uuid));
}

std::string StripQuotes(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  while (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') ||
                           (s.front() == '\'' && s.back() == '\''))) {
    s = absl::StripAsciiWhitespace(s.substr(1, s.size() - 2));
  }
  return std::string(s);
}

// Adds `code` to `list` unless it is there.
void AddUnique(google::protobuf::RepeatedPtrField<std::string>* list,
               const std::string& code) {
  for (const std::string& c : *list) {
    if (c == code) return;
  }
  *list->Add() = code;
}

void AddText(google::protobuf::RepeatedPtrField<v1::LocalizedText>* list,
             const std::string& lang, absl::string_view text) {
  std::string t = Trimmed(text);
  if (t.empty()) return;
  v1::LocalizedText* l = list->Add();
  l->set_lang(lang);
  l->set_text(std::move(t));
}

// Rows of a table by a foreign id (lower case), each list in input order.
template <typename M>
using Groups = absl::flat_hash_map<std::string, std::vector<const Row<M>*>>;

template <typename M, typename Key>
Groups<M> GroupBy(const RowList<Row<M>>& rows, Key key) {
  Groups<M> out;
  out.reserve(rows.size());
  for (const Row<M>& r : rows) {
    out[node::NormalizeUuid(key(r.message))].push_back(&r);
  }
  return out;
}

// The rows of group `id` (none if there is no such group).
template <typename M>
const std::vector<const Row<M>*>& In(const Groups<M>& groups,
                                     const std::string& id) {
  static const auto* kNone = new std::vector<const Row<M>*>();
  auto it = groups.find(id);
  return it == groups.end() ? *kNone : it->second;
}

class Mapper {
 public:
  Mapper(Package package, const MapOptions& options,
         const RecordSink* sink = nullptr)
      : p_(std::move(package)), lang_(options.lang), sink_(sink) {
    out_.problems = std::move(p_.problems);
    out_.not_kept = std::move(p_.not_kept);
  }

  Mapped Run() {
    // What comes before the first record takes three threads, each with
    // its own output, merged below in the order one thread would have
    // written it: every second of it is a second the hub waits.
    std::map<std::string, NotKept> read_not_kept = std::move(out_.not_kept);
    out_.not_kept.clear();
    std::map<std::string, NotKept> counted;
    std::thread counting([this, &counted] {
      internal::CountNotKept(p_, &counted);  // Reads p_ only.
    });
    std::thread locating([this] { locations_.Index(); });
    identifiers_ = GroupBy(p_.organization_identifiers,
                           [](const auto& m) { return m.organization_id(); });
    org_phones_ =
        GroupBy(p_.phones, [](const auto& m) { return m.organization_id(); });
    service_phones_ =
        GroupBy(p_.phones, [](const auto& m) { return m.service_id(); });
    languages_ =
        GroupBy(p_.languages, [](const auto& m) { return m.service_id(); });
    areas_ =
        GroupBy(p_.service_areas, [](const auto& m) { return m.service_id(); });
    at_locations_ = GroupBy(p_.service_at_locations,
                            [](const auto& m) { return m.service_id(); });
    IndexTerms();
    IndexAttributes();  // Its values not kept go to out_.not_kept, for now.
    counting.join();
    locating.join();
    for (auto* from : {&counted, &out_.not_kept}) {
      internal::MergeNotKept(*from, &read_not_kept);
    }
    out_.not_kept = std::move(read_not_kept);
    // The locations' problems go here, in their rows' order, once every
    // location is mapped (below).
    const size_t location_problems_at = out_.problems.size();
    std::vector<std::pair<v1::PublishRequest, std::string>> services;
    for (const auto& row : p_.services) {
      std::optional<v1::PublishRequest> r = MapService(row);
      if (r.has_value()) services.emplace_back(*std::move(r), row.where);
    }
    for (const auto& row : p_.organizations) {
      if (stopped_) break;
      std::optional<v1::PublishRequest> r = MapOrganization(row);
      if (r.has_value()) Emit(*std::move(r), row.where, row.message.id());
    }
    for (auto& [r, where] : services) {
      if (stopped_) break;
      std::string id(absl::StripPrefix(r.record_id(), "hsds-"));
      Emit(std::move(r), where, id);
    }
    // A location no imported organization or service has (its
    // organization_id names none, or that row was skipped) is lost: say so
    // (found in a trial: such locations went without a word).
    std::vector<Problem> location_problems = locations_.TakeProblems();
    out_.problems.insert(out_.problems.begin() +
                             static_cast<std::ptrdiff_t>(location_problems_at),
                         std::make_move_iterator(location_problems.begin()),
                         std::make_move_iterator(location_problems.end()));
    for (const auto& row : p_.locations) {
      if (stopped_) break;
      const std::string id = node::NormalizeUuid(row.message.id());
      if (locations_.RowOf(id) != &row || locations_.Get(id) == nullptr ||
          used_locations_.count(id) > 0) {
        continue;
      }
      Add(row.where, id, "location.organization_id",
          row.message.organization_id(),
          "names no organization imported here, and no service is offered "
          "at the location; it is not imported",
          true);
    }
    // An address whose location is not in the input, or was skipped (its
    // id not a UUID), goes with it: say so (found in a trial).
    for (const auto& row : p_.addresses) {
      if (stopped_) break;
      const std::string& location_id = row.message.location_id();
      if (locations_.RowOf(node::NormalizeUuid(location_id)) != nullptr) {
        continue;
      }
      Add(row.where, row.message.id(), "address.location_id", location_id,
          location_id.empty()
              ? "is empty: the address belongs to no location; it is not "
                "imported"
              : "names no location of the input (or one that was skipped); "
                "the address is not imported",
          true);
    }
    for (const std::string& key : attribute_order_) {
      if (used_links_.count(key) > 0) continue;
      for (const auto& [term, where] : attributes_.at(key)) {
        Add(*where, "", "attribute.link_id", key.substr(key.find(':') + 1),
            absl::StrCat("names no ", key.substr(0, key.find(':')),
                         " of the input; the attribute is skipped"),
            true);
      }
    }
    for (const Problem& p : out_.problems) {
      if (p.row_skipped) ++out_.rows_skipped;
    }
    for (const auto& [key, n] : out_.not_kept) out_.values_not_kept += n.count;
    return std::move(out_);
  }

 private:
  void Add(const std::string& where, absl::string_view id, std::string field,
           absl::string_view value, std::string reason, bool skipped = false) {
    internal::AddProblem(&out_.problems, where, id, std::move(field), value,
                         std::move(reason), skipped);
  }

  void CountWhole(const std::string& key, const std::string& where) {
    internal::CountWhole(key, where, &out_.not_kept);
  }

  void IndexTerms() {
    for (const auto& r : p_.taxonomy_terms) {
      terms_.emplace(node::NormalizeUuid(r.message.id()), &r.message);
    }
  }

  void IndexAttributes() {
    attributes_.reserve(p_.organizations.size() + p_.services.size());
    for (const auto& row : p_.attributes) {
      const v3::Attribute& a = row.message;
      std::string entity = absl::AsciiStrToLower(a.link_entity());
      if (entity != "organization" && entity != "service") {
        CountWhole(absl::StrCat("attribute.* (linked to \"",
                                Shorten(a.link_entity()), "\")"),
                   row.where);
        continue;
      }
      const v3::TaxonomyTerm* term = nullptr;
      if (a.has_taxonomy_term() && (!a.taxonomy_term().code().empty() ||
                                    !a.taxonomy_term().name().empty())) {
        term = &a.taxonomy_term();
      } else if (auto it =
                     terms_.find(node::NormalizeUuid(a.taxonomy_term_id()));
                 it != terms_.end()) {
        term = it->second;
      }
      if (term == nullptr) {
        Add(row.where, a.id(), "attribute.taxonomy_term_id",
            a.taxonomy_term_id(),
            "names no taxonomy term of the input; the attribute is skipped",
            true);
        continue;
      }
      std::string key =
          absl::StrCat(entity, ":", node::NormalizeUuid(a.link_id()));
      if (!attributes_.contains(key)) attribute_order_.push_back(key);
      attributes_[key].push_back({term, &row.where});
    }
  }

  // The taxonomy terms attached to `entity` `id`, as topics (and, for
  // organizations, types).
  void MapTerms(const std::string& entity, const std::string& id,
                google::protobuf::RepeatedPtrField<std::string>* topics,
                google::protobuf::RepeatedPtrField<std::string>* types) {
    auto it = attributes_.find(absl::StrCat(entity, ":", id));
    if (it == attributes_.end()) return;
    used_links_.insert(it->first);
    for (const auto& attached : it->second) {
      // (A lambda may not capture a structured binding in C++17.)
      const auto& term = attached.first;
      const auto& where = attached.second;
      auto match = [&](absl::Span<const node::TaxonomyTerm> list)
          -> std::optional<std::string> {
        for (const node::TaxonomyTerm& t : list) {
          if (term->code() == t.code) return std::string(t.code);
        }
        for (const node::TaxonomyTerm& t : list) {
          if (!term->name().empty() &&
              absl::EqualsIgnoreCase(Trimmed(term->name()), t.name)) {
            return std::string(t.code);
          }
        }
        return std::nullopt;
      };
      if (std::optional<std::string> topic = match(node::Topics())) {
        AddUnique(topics, *topic);
        continue;
      }
      if (types != nullptr) {
        if (std::optional<std::string> type =
                match(node::OrganizationTypes())) {
          AddUnique(types, *type);
          continue;
        }
      }
      // A local topic as civhub exports it ("x-food-pantry") stays itself.
      const std::string& code = term->code();
      std::string local =
          absl::StartsWith(code, "x-") && node::IsWellFormedCode(code)
              ? code
              : LocalTopic(code.empty() ? term->name() : code);
      if (local.empty()) {
        Add(*where, term->id(), "taxonomy_term.code",
            term->code().empty() ? term->name() : term->code(),
            "has no letters or digits to make a topic of; dropped");
        continue;
      }
      AddUnique(topics, local);
    }
  }

  // Whether an organization row of the package has the (normalized) id.
  bool PackageHasOrganization(const std::string& id) {
    if (package_org_ids_.empty()) {
      for (const auto& r : p_.organizations) {
        package_org_ids_.insert(node::NormalizeUuid(r.message.id()));
      }
    }
    return package_org_ids_.count(id) > 0;
  }

  std::optional<v1::PublishRequest> MapOrganization(
      const Row<v3::Organization>& row) {
    const v3::Organization& o = row.message;
    if (!node::IsUuid(o.id())) {
      Add(row.where, o.id(), "organization.id", o.id(),
          "is not a UUID (8-4-4-4-12 hex digits); the organization is skipped",
          true);
      return std::nullopt;
    }
    const std::string id = node::NormalizeUuid(o.id());
    if (!org_ids_.insert(id).second) {
      Add(row.where, id, "organization.id", id,
          "appears more than once; the first is kept", true);
      return std::nullopt;
    }
    v1::PublishRequest request;
    request.set_record_id(RecordIdOf(id));
    v1::Organization* org = request.mutable_organization();
    AddText(org->mutable_names(), lang_, o.name());
    AddText(org->mutable_descriptions(), lang_, o.description());
    org->set_alternate_name(Trimmed(o.alternate_name()));
    org->set_email(Trimmed(o.email()));
    org->set_website(Trimmed(o.website()));
    org->set_legal_status(Trimmed(o.legal_status()));
    if (o.has_year_incorporated()) {
      double y = o.year_incorporated();
      if (y >= 1 && y <= 9999 && y == std::floor(y)) {
        org->set_year_incorporated(static_cast<uint32_t>(y));
      } else {
        Add(row.where, id, "organization.year_incorporated", absl::StrCat(y),
            "is not a year; dropped");
      }
    }
    if (std::string parent = Trimmed(o.parent_organization_id());
        !parent.empty()) {
      if (!node::IsUuid(parent)) {
        Add(row.where, id, "organization.parent_organization_id", parent,
            "is not a UUID (8-4-4-4-12 hex digits); the parent is dropped");
      } else if (node::NormalizeUuid(parent) == id) {
        Add(row.where, id, "organization.parent_organization_id", parent,
            "is the organization itself; the parent is dropped");
      } else {
        org->mutable_parent()->set_record_id(RecordIdOf(parent));
        if (!PackageHasOrganization(node::NormalizeUuid(parent))) {
          Add(row.where, id, "organization.parent_organization_id", parent,
              "names no organization of this import; kept as a reference "
              "to hsds-" +
                  node::NormalizeUuid(parent) +
                  " on this hub, found once that organization is imported");
        }
      }
    }
    for (const auto* rp : In(identifiers_, id)) {
      const auto& r = *rp;
      const v3::OrganizationIdentifier& x = r.message;
      if (node::NormalizeUuid(x.organization_id()) != id) continue;
      std::string identifier = Trimmed(x.identifier());
      if (identifier.empty()) {
        Add(r.where, x.id(), "organization_identifier.identifier", "",
            "is empty; the identifier is skipped", true);
        continue;
      }
      v1::Identifier* out = org->add_identifiers();
      out->set_scheme(IdentifierScheme(Trimmed(x.identifier_scheme()),
                                       x.identifier_type()));
      out->set_identifier(identifier);
    }
    for (const auto* rp : In(org_phones_, id)) {
      const auto& r = *rp;
      org->set_phone(StripQuotes(r.message.number()));
      break;
    }
    for (const std::string& loc_id : locations_.OfOrganization(id)) {
      const v1::Location* loc = locations_.Get(loc_id);
      if (loc == nullptr) continue;  // Dropped.
      *org->add_locations() = *loc;
      used_locations_.insert(loc_id);
    }
    if (auto it = attached_.find(id); it != attached_.end()) {
      for (const auto& [loc_id, note_where, row_id] : it->second) {
        bool has = false;
        for (const v1::Location& l : org->locations()) has |= l.id() == loc_id;
        if (has) continue;
        *org->add_locations() = *locations_.Get(loc_id);
        Add(note_where, row_id, "service_at_location.location_id", loc_id,
            absl::StrCat("the location is not the provider's (its "
                         "organization_id is another's or none); it is also "
                         "attached to the provider ",
                         RecordIdOf(id)));
      }
    }
    MapTerms("organization", id, org->mutable_topics(), org->mutable_types());
    return request;
  }

  std::optional<v1::PublishRequest> MapService(const Row<v3::Service>& row) {
    const v3::Service& s = row.message;
    if (!node::IsUuid(s.id())) {
      Add(row.where, s.id(), "service.id", s.id(),
          "is not a UUID (8-4-4-4-12 hex digits); the service is skipped",
          true);
      return std::nullopt;
    }
    const std::string id = node::NormalizeUuid(s.id());
    if (!service_ids_.insert(id).second) {
      Add(row.where, id, "service.id", id,
          "appears more than once; the first is kept", true);
      return std::nullopt;
    }
    if (!node::IsUuid(s.organization_id())) {
      Add(row.where, id, "service.organization_id", s.organization_id(),
          "is not a UUID (8-4-4-4-12 hex digits; a service needs its "
          "organization); the service "
          "is skipped",
          true);
      return std::nullopt;
    }
    const std::string org_id = node::NormalizeUuid(s.organization_id());
    if (!PackageHasOrganization(org_id)) {
      // As a parent organization: the hub takes a reference to one of its
      // records it does not hold yet (found in a trial: it went without a
      // word).
      Add(row.where, id, "service.organization_id", s.organization_id(),
          absl::StrCat("names no organization of this import; kept as a "
                       "reference to ",
                       RecordIdOf(org_id),
                       " on this hub, found once that organization is "
                       "imported (until then the service has no provider)"));
    }
    const std::string status = absl::AsciiStrToLower(Trimmed(s.status()));
    if (status != "active" && status != "inactive" && status != "defunct" &&
        status != "temporarily closed") {
      Add(row.where, id, "service.status", s.status(),
          "is not one of active, inactive, defunct, temporarily closed; the "
          "service is skipped",
          true);
      return std::nullopt;
    }
    v1::PublishRequest request;
    request.set_record_id(RecordIdOf(id));
    v1::Service* svc = request.mutable_service();
    svc->mutable_organization()->set_record_id(RecordIdOf(org_id));
    AddText(svc->mutable_names(), lang_, s.name());
    AddText(svc->mutable_descriptions(), lang_, s.description());
    svc->set_alternate_name(Trimmed(s.alternate_name()));
    svc->set_status(status);
    svc->set_url(Trimmed(s.url()));
    svc->set_email(Trimmed(s.email()));
    AddText(svc->mutable_fees(), lang_, s.fees_description());
    AddText(svc->mutable_eligibility(), lang_, s.eligibility_description());
    AddText(svc->mutable_application_process(), lang_, s.application_process());
    for (auto [has, value, name, setter] :
         {std::make_tuple(s.has_minimum_age(), s.minimum_age(),
                          "service.minimum_age", &v1::Service::set_minimum_age),
          std::make_tuple(s.has_maximum_age(), s.maximum_age(),
                          "service.maximum_age",
                          &v1::Service::set_maximum_age)}) {
      if (!has) continue;
      if (value >= 0 && value <= 150 && value == std::floor(value)) {
        (svc->*setter)(static_cast<uint32_t>(value));
      } else {
        Add(row.where, id, name, absl::StrCat(value),
            "is not an age in years (0-150); dropped");
      }
    }
    for (const auto* rp : In(service_phones_, id)) {
      const auto& r = *rp;
      const v3::Phone& ph = r.message;
      if (node::NormalizeUuid(ph.service_id()) != id) continue;
      if (svc->phones_size() == 16) {
        Add(r.where, ph.id(), "phone", ph.number(),
            "a service has at most 16 phones; dropped");
        continue;
      }
      v1::Phone* out = svc->add_phones();
      out->set_number(StripQuotes(ph.number()));
      if (ph.has_extension()) {
        double e = ph.extension();
        if (e >= 0 && e < 1e10 && e == std::floor(e)) {
          out->set_extension(absl::StrCat(static_cast<int64_t>(e)));
        } else {
          Add(r.where, ph.id(), "phone.extension", absl::StrCat(e),
              "is not an extension (digits); dropped");
        }
      }
      out->set_type(absl::AsciiStrToLower(Trimmed(ph.type())));
      out->set_description(Trimmed(ph.description()));
    }
    for (const auto* rp : In(languages_, id)) {
      const auto& r = *rp;
      std::string code = LanguageCode(r.message.code());
      if (code.empty()) {
        Add(r.where, r.message.id(), "language.code", r.message.code(),
            "is not an ISO 639-1 code (nor a 639-2/3 code with one); "
            "dropped");
        continue;
      }
      AddUnique(svc->mutable_languages(), code);
    }
    std::vector<std::string> area_texts;
    for (const auto* rp : In(areas_, id)) {
      const auto& r = *rp;
      const v3::ServiceArea& a = r.message;
      if (node::NormalizeUuid(a.service_id()) != id) continue;
      std::string code;
      for (const std::string* v : {&a.name(), &a.extent()}) {
        std::string c = absl::AsciiStrToUpper(Trimmed(*v));
        if (node::IsCountryCode(c) || node::IsRegionCode(c)) {
          code = c;
          break;
        }
      }
      if (!code.empty()) {
        AddUnique(svc->mutable_areas_served(), code);
        continue;
      }
      if (!a.extent().empty()) {
        NotKept& n = out_.not_kept["service_area.extent (not an ISO code)"];
        if (n.count == 0) n.first_where = r.where;
        ++n.count;
      }
      std::string name = Trimmed(a.name()), text = Trimmed(a.description());
      if (!name.empty() && !text.empty() && name != text) {
        area_texts.push_back(absl::StrCat(name, ": ", text));
      } else if (!name.empty() || !text.empty()) {
        area_texts.push_back(name.empty() ? text : name);
      }
    }
    if (!area_texts.empty()) {
      AddText(svc->mutable_area_descriptions(), lang_,
              absl::StrJoin(area_texts, "; "));
    }
    for (const auto* rp : In(at_locations_, id)) {
      const auto& r = *rp;
      const v3::ServiceAtLocation& at = r.message;
      if (node::NormalizeUuid(at.service_id()) != id) continue;
      if (!node::IsUuid(at.id())) {
        Add(r.where, at.id(), "service_at_location.id", at.id(),
            "is not a UUID (8-4-4-4-12 hex digits); skipped", true);
        continue;
      }
      const std::string loc_id = node::NormalizeUuid(at.location_id());
      const v1::Location* loc = locations_.Get(loc_id);
      if (loc == nullptr) {
        Add(r.where, at.id(), "service_at_location.location_id",
            at.location_id(),
            "names no location of the input (or one that was dropped); "
            "skipped",
            true);
        continue;
      }
      if (svc->locations_size() == 64) {
        Add(r.where, at.id(), "service_at_location", "",
            "a service is offered at most at 64 locations; skipped", true);
        continue;
      }
      v1::ServiceLocation* out = svc->add_locations();
      out->set_id(node::NormalizeUuid(at.id()));
      out->set_location_id(loc_id);
      *out->mutable_location() = *loc;
      used_locations_.insert(loc_id);
      AddText(out->mutable_descriptions(), lang_, at.description());
      if (node::NormalizeUuid(
              locations_.RowOf(loc_id)->message.organization_id()) != org_id) {
        attached_[org_id].push_back({loc_id, r.where, at.id()});
      }
    }
    MapTerms("service", id, svc->mutable_topics(), nullptr);
    return request;
  }

  // Validates `request`, dropping each value validation refuses (with a
  // problem), and adds it to the output if it then passes.
  void Emit(v1::PublishRequest request, const std::string& where,
            absl::string_view id) {
    std::string last_error;
    for (int attempt = 0; attempt < 64; ++attempt) {
      absl::Status s = internal::ValidateAsPublished(&request);
      if (s.ok()) {
        if (sink_ != nullptr) {
          stopped_ = !(*sink_)(std::move(request), where);
          return;
        }
        out_.records.push_back(std::move(request));
        out_.sources.push_back(where);
        return;
      }
      std::string message(s.message());
      std::string path = message.substr(0, message.find(": "));
      std::string value;
      if (message == last_error || absl::StartsWith(path, "record_id") ||
          !internal::RemoveAtPath(path, &request, &value)) {
        Add(where, id, path, value,
            absl::StrCat(message, "; the record is skipped"), true);
        return;
      }
      last_error = message;
      // The line names the field already (found in a trial:
      // "organization.email: x — organization.email: \"x\" is not ...").
      absl::string_view reason = message;
      absl::ConsumePrefix(&reason, absl::StrCat(path, ": "));
      Add(where, id, path, value, absl::StrCat(reason, "; dropped"));
    }
    Add(where, id, "", "", "too many invalid values; the record is skipped",
        true);
  }

  Package p_;
  const std::string lang_;
  const RecordSink* const sink_;  // Null: records go to out_.
  bool stopped_ = false;          // The sink said stop.
  Mapped out_;
  absl::flat_hash_map<std::string, const v3::TaxonomyTerm*> terms_;
  // "organization:<id>" / "service:<id>" -> its terms, with where each
  // attribute is (its row's, in p_).
  absl::flat_hash_map<
      std::string,
      std::vector<std::pair<const v3::TaxonomyTerm*, const std::string*>>>
      attributes_;
  std::vector<std::string> attribute_order_;  // attributes_'s keys, in order
  absl::flat_hash_set<std::string> used_links_;
  internal::LocationMap locations_{&p_};
  // Locations some organization or service took.
  absl::flat_hash_set<std::string> used_locations_;
  Groups<v3::OrganizationIdentifier> identifiers_;
  Groups<v3::Phone> org_phones_, service_phones_;
  Groups<v3::Language> languages_;
  Groups<v3::ServiceArea> areas_;
  Groups<v3::ServiceAtLocation> at_locations_;
  // A location a provider's services are offered at that is not its own.
  struct Attached {
    std::string location_id;
    std::string where;   // Of the service_at_location,
    std::string row_id;  // and its id.
  };
  // Per provider organization id.
  absl::flat_hash_map<std::string, std::vector<Attached>> attached_;
  // Hashed, not ordered: a lookup per row of a 100,000-row package (an
  // ordered set's string compares were a tenth of civhubctl's import).
  absl::flat_hash_set<std::string> org_ids_, service_ids_;
  absl::flat_hash_set<std::string> package_org_ids_;  // Each organization's.
};

}  // namespace

void FillOrigins(const std::string& hub_id, v1::PublishRequest* request) {
  if (request->has_organization() && request->organization().has_parent() &&
      request->organization().parent().origin().empty()) {
    request->mutable_organization()->mutable_parent()->set_origin(hub_id);
  }
  if (request->has_service() &&
      request->service().organization().origin().empty()) {
    request->mutable_service()->mutable_organization()->set_origin(hub_id);
  }
}

absl::Status ValidateMapped(const v1::PublishRequest& request) {
  return internal::ValidateAsPublished(request);
}

Mapped MapPackage(Package package, const MapOptions& options) {
  return Mapper(std::move(package), options).Run();
}

Mapped MapPackage(Package package, const MapOptions& options,
                  const RecordSink& sink) {
  return Mapper(std::move(package), options, &sink).Run();
}

}  // namespace civhub::hsds
