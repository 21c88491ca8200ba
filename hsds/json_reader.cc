// HSDS JSON (an organization_full, service_full or service_at_location
// object, a paged list of them, or newline-delimited JSON) read into a
// package's tables, as package_reader.cc reads CSV ones.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hsds/internal/reading.h"
#include "hsds/package_reader.h"

namespace civhub::hsds {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using internal::CountNotKept;
using internal::ParseJson;
using internal::ReadFile;
using internal::Shorten;
using internal::TableOf;

// Why a JSON value cannot be read as field `f` (one element of it, if
// repeated), or "" if it can: the JSON parser would refuse the whole
// object for it.
std::string WrongKind(const google::protobuf::Value& v,
                      const FieldDescriptor* f) {
  if (v.has_null_value()) return "";
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      // Well-known types (a Timestamp is a string) are the parser's.
      if (absl::StartsWith(f->message_type()->full_name(),
                           "google.protobuf.")) {
        return "";
      }
      return v.has_struct_value() ? "" : "is not an object";
    case FieldDescriptor::CPPTYPE_STRING:
      return v.has_string_value() ? "" : "is not text";
    case FieldDescriptor::CPPTYPE_BOOL:
      return v.has_bool_value() ? "" : "is not true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return v.has_string_value() || v.has_number_value() ? "" : "is not text";
    default: {  // Numbers (HSDS's are doubles), which JSON may quote.
      double d;
      if (v.has_number_value() ||
          (v.has_string_value() && absl::SimpleAtod(v.string_value(), &d))) {
        return "";
      }
      return "is not a number";
    }
  }
}

// The text of a JSON value for a problem line.
std::string ValueText(const google::protobuf::Value& v) {
  if (v.has_string_value()) return v.string_value();
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(v, &json);
  return json;
}

// Checks the keys of `value` (an object of table `d`, with HSDS id `id`)
// before it is parsed, recursing into the fields that are messages: a key
// `d` has no field for is counted in not_kept; a value the field cannot
// hold ("minimum_age": "twelve") is taken out with a problem, as CSV cells
// are, rather than the parser refusing the whole object for it (found in
// a trial).
void CheckKeys(google::protobuf::Value* value, const Descriptor* d,
               const std::string& where, const std::string& id,
               Package* package) {
  if (!value->has_struct_value()) return;
  auto* fields = value->mutable_struct_value()->mutable_fields();
  // In key order: a protobuf map's own order changes from one parse to the
  // next, and with it which of two nested objects a value not kept is
  // first seen in (found comparing dry runs of organization_full.json).
  std::vector<std::pair<const std::string*, google::protobuf::Value*>> sorted;
  sorted.reserve(fields->size());
  for (auto& [key, v] : *fields) sorted.emplace_back(&key, &v);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::vector<std::string> dropped;
  for (auto [key_ptr, v_ptr] : sorted) {
    const std::string& key = *key_ptr;
    google::protobuf::Value& v = *v_ptr;
    const FieldDescriptor* f = d->FindFieldByName(key);
    if (f == nullptr) {
      bool empty = v.has_null_value() ||
                   (v.has_string_value() && v.string_value().empty()) ||
                   (v.has_list_value() && v.list_value().values().empty());
      if (!empty) {
        CountNotKept(package, absl::StrCat(TableOf(d), ".", key), where);
      }
      continue;
    }
    std::string wrong;
    if (f->is_repeated() && !v.has_null_value()) {
      if (!v.has_list_value()) {
        wrong = "is not a list";
      } else {
        for (const google::protobuf::Value& e : v.list_value().values()) {
          if (wrong.empty()) wrong = WrongKind(e, f);
        }
      }
    } else if (!f->is_repeated()) {
      wrong = WrongKind(v, f);
    }
    if (!wrong.empty()) {
      package->problems.push_back(
          {absl::StrCat(where, ".", key), Shorten(id),
           absl::StrCat(TableOf(d), ".", key), Shorten(ValueText(v)),
           absl::StrCat(wrong, "; the value is dropped"), false});
      dropped.push_back(key);
      continue;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    auto child_id = [](const google::protobuf::Value& c) {
      if (!c.has_struct_value()) return std::string();
      auto it = c.struct_value().fields().find("id");
      return it != c.struct_value().fields().end() &&
                     it->second.has_string_value()
                 ? it->second.string_value()
                 : std::string();
    };
    if (v.has_list_value()) {
      auto* list = v.mutable_list_value();
      for (int i = 0; i < list->values_size(); ++i) {
        google::protobuf::Value* e = list->mutable_values(i);
        CheckKeys(e, f->message_type(),
                  absl::StrCat(where, ".", key, "[", i, "]"), child_id(*e),
                  package);
      }
    } else {
      CheckKeys(&v, f->message_type(), absl::StrCat(where, ".", key),
                child_id(v), package);
    }
  }
  for (const std::string& key : dropped) fields->erase(key);
}

// Flattens nested HSDS objects into the package's tables, setting each
// child's parent id. An object whose id was read before (the same location
// under an organization and a service) is kept once, the first time.
class JsonFlattener {
 public:
  explicit JsonFlattener(Package* package) : package_(package) {}

  void Organization(v3::Organization org, const std::string& where) {
    if (!org.id().empty() && !org_ids_.insert(org.id()).second) return;
    for (int i = 0; i < org.phones_size(); ++i) {
      v3::Phone* p = org.mutable_phones(i);
      if (!p->has_organization_id()) p->set_organization_id(org.id());
      Phone(std::move(*p), absl::StrCat(where, ".phones[", i, "]"));
    }
    for (int i = 0; i < org.organization_identifiers_size(); ++i) {
      v3::OrganizationIdentifier* x = org.mutable_organization_identifiers(i);
      if (!x->has_organization_id()) x->set_organization_id(org.id());
      package_->organization_identifiers.push_back(
          {absl::StrCat(where, ".organization_identifiers[", i, "]"),
           std::move(*x)});
    }
    Attributes(org.mutable_attributes(), "organization", org.id(), where);
    std::vector<std::pair<v3::Location, std::string>> locations;
    for (int i = 0; i < org.locations_size(); ++i) {
      v3::Location* l = org.mutable_locations(i);
      if (!l->has_organization_id()) l->set_organization_id(org.id());
      locations.emplace_back(std::move(*l),
                             absl::StrCat(where, ".locations[", i, "]"));
    }
    std::vector<std::pair<v3::Service, std::string>> services;
    for (int i = 0; i < org.services_size(); ++i) {
      v3::Service* s = org.mutable_services(i);
      if (!s->has_organization_id()) s->set_organization_id(org.id());
      services.emplace_back(std::move(*s),
                            absl::StrCat(where, ".services[", i, "]"));
    }
    org.clear_phones();
    org.clear_organization_identifiers();
    org.clear_attributes();
    org.clear_locations();
    org.clear_services();
    org.clear_civhub();
    package_->organizations.push_back({where, std::move(org)});
    for (auto& [l, w] : locations) Location(std::move(l), w);
    for (auto& [s, w] : services) Service(std::move(s), w);
  }

  void Service(v3::Service svc, const std::string& where) {
    if (!svc.id().empty() && !service_ids_.insert(svc.id()).second) return;
    if (svc.has_organization()) {
      v3::Organization org = std::move(*svc.mutable_organization());
      svc.clear_organization();
      if (!svc.has_organization_id()) svc.set_organization_id(org.id());
      Organization(std::move(org), absl::StrCat(where, ".organization"));
    }
    for (int i = 0; i < svc.phones_size(); ++i) {
      v3::Phone* p = svc.mutable_phones(i);
      if (!p->has_service_id()) p->set_service_id(svc.id());
      Phone(std::move(*p), absl::StrCat(where, ".phones[", i, "]"));
    }
    for (int i = 0; i < svc.service_areas_size(); ++i) {
      v3::ServiceArea* a = svc.mutable_service_areas(i);
      if (!a->has_service_id()) a->set_service_id(svc.id());
      package_->service_areas.push_back(
          {absl::StrCat(where, ".service_areas[", i, "]"), std::move(*a)});
    }
    for (int i = 0; i < svc.languages_size(); ++i) {
      v3::Language* l = svc.mutable_languages(i);
      if (!l->has_service_id()) l->set_service_id(svc.id());
      package_->languages.push_back(
          {absl::StrCat(where, ".languages[", i, "]"), std::move(*l)});
    }
    Attributes(svc.mutable_attributes(), "service", svc.id(), where);
    std::vector<std::pair<v3::ServiceAtLocation, std::string>> at;
    for (int i = 0; i < svc.service_at_locations_size(); ++i) {
      v3::ServiceAtLocation* s = svc.mutable_service_at_locations(i);
      if (!s->has_service_id()) s->set_service_id(svc.id());
      at.emplace_back(std::move(*s),
                      absl::StrCat(where, ".service_at_locations[", i, "]"));
    }
    svc.clear_phones();
    svc.clear_service_areas();
    svc.clear_languages();
    svc.clear_attributes();
    svc.clear_service_at_locations();
    svc.clear_civhub();
    package_->services.push_back({where, std::move(svc)});
    for (auto& [s, w] : at) ServiceAtLocation(std::move(s), w);
  }

  void ServiceAtLocation(v3::ServiceAtLocation sal, const std::string& where) {
    if (sal.has_service()) {
      v3::Service svc = std::move(*sal.mutable_service());
      sal.clear_service();
      if (!sal.has_service_id()) sal.set_service_id(svc.id());
      Service(std::move(svc), absl::StrCat(where, ".service"));
    }
    if (sal.has_location()) {
      v3::Location loc = std::move(*sal.mutable_location());
      sal.clear_location();
      if (!sal.has_location_id()) sal.set_location_id(loc.id());
      Location(std::move(loc), absl::StrCat(where, ".location"));
    }
    package_->service_at_locations.push_back({where, std::move(sal)});
  }

  void Location(v3::Location loc, const std::string& where) {
    if (!loc.id().empty() && !location_ids_.insert(loc.id()).second) return;
    for (int i = 0; i < loc.addresses_size(); ++i) {
      v3::Address* a = loc.mutable_addresses(i);
      if (!a->has_location_id()) a->set_location_id(loc.id());
      package_->addresses.push_back(
          {absl::StrCat(where, ".addresses[", i, "]"), std::move(*a)});
    }
    // Phones and languages of a location alone are not kept: counted by
    // the mapping as location.phones / location.languages.
    loc.clear_addresses();
    package_->locations.push_back({where, std::move(loc)});
  }

 private:
  void Phone(v3::Phone phone, const std::string& where) {
    package_->phones.push_back({where, std::move(phone)});
  }

  void Attributes(google::protobuf::RepeatedPtrField<v3::Attribute>* list,
                  const std::string& entity, const std::string& id,
                  const std::string& where) {
    for (int i = 0; i < list->size(); ++i) {
      v3::Attribute* a = list->Mutable(i);
      if (!a->has_link_id()) a->set_link_id(id);
      if (!a->has_link_entity()) a->set_link_entity(entity);
      package_->attributes.push_back(
          {absl::StrCat(where, ".attributes[", i, "]"), std::move(*a)});
    }
  }

  Package* const package_;
  std::set<std::string> org_ids_, service_ids_, location_ids_;
};

// The kind of HSDS object `value` is: "service_at_location" (it nests a
// service, or has a service_id and a location), "service" (it has a
// status, which services require) or "organization" (it has a name); ""
// for an object none of these can be, with what it looks like in
// `*looks_like` — other HSDS objects civhub does not import on their own
// (a location, a taxonomy or a term, the API's root), tabular JSON.
std::string KindOf(const google::protobuf::Value& value,
                   std::string* looks_like) {
  const auto& f = value.struct_value().fields();
  auto has = [&](const char* key) { return f.count(key) > 0; };
  if (has("service") ||
      (has("service_id") && (has("location") || has("location_id")))) {
    return "service_at_location";
  }
  if (has("status")) return "service";
  if (has("location_type") || has("addresses")) {
    *looks_like =
        "an HSDS location (import the organization it belongs to, whose "
        "locations it nests, or the data package with its locations table)";
  } else if (has("openapi_url") || has("profile")) {
    *looks_like = "the root of an HSDS API (GET /), which holds no records";
  } else if (has("taxonomy") || has("taxonomy_id") || has("code") ||
             has("term_uri") || has("parent_id")) {
    *looks_like =
        "an HSDS taxonomy term (terms are imported with the records they "
        "are attached to)";
  } else if (has("version") &&
             std::all_of(f.begin(), f.end(), [](const auto& kv) {
               return kv.first == "id" || kv.first == "name" ||
                      kv.first == "description" || kv.first == "uri" ||
                      kv.first == "version" || kv.first == "metadata";
             })) {
    *looks_like =
        "an HSDS taxonomy (terms are imported with the records they are "
        "attached to)";
  } else if (!has("id") && !has("name") &&
             std::any_of(f.begin(), f.end(), [](const auto& kv) {
               return absl::EndsWith(kv.first, ".csv");
             })) {
    *looks_like =
        "tabular JSON (an object of tables); give the data package "
        "(datapackage.json and its CSV files) instead";
  } else if (!has("name")) {
    *looks_like = "no HSDS organization (it has no name)";
  } else {
    return "organization";
  }
  return "";
}

// Adds one HSDS object; INVALID_ARGUMENT (nothing added, the message
// saying what it looks like) when it is none civhub imports.
absl::Status AddObject(google::protobuf::Value value, const std::string& where,
                       Package* package, JsonFlattener* flattener) {
  std::string looks_like;
  std::string kind = KindOf(value, &looks_like);
  if (kind.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an HSDS organization, service or service_at_location, nor a "
        "list of them: it looks like ",
        looks_like));
  }
  const Descriptor* d = kind == "service" ? v3::Service::descriptor()
                        : kind == "organization"
                            ? v3::Organization::descriptor()
                            : v3::ServiceAtLocation::descriptor();
  {
    const auto& f = value.struct_value().fields();
    auto id = f.find("id");
    CheckKeys(&value, d, where,
              id != f.end() && id->second.has_string_value()
                  ? id->second.string_value()
                  : std::string(),
              package);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(value, &json);
  auto parse = [&](Message* m) {
    absl::Status s = ParseJson(json, m);
    if (!s.ok()) {
      const auto& f = value.struct_value().fields();
      auto id = f.find("id");
      package->problems.push_back(
          {where,
           id != f.end() ? Shorten(id->second.string_value()) : std::string(),
           kind, "", absl::StrCat("not a valid HSDS ", kind, ": ", s.message()),
           true});
    }
    return s.ok();
  };
  if (kind == "service") {
    v3::Service svc;
    if (parse(&svc)) flattener->Service(std::move(svc), where);
  } else if (kind == "organization") {
    v3::Organization org;
    if (parse(&org)) flattener->Organization(std::move(org), where);
  } else {
    v3::ServiceAtLocation sal;
    if (parse(&sal)) flattener->ServiceAtLocation(std::move(sal), where);
  }
  return absl::OkStatus();
}

absl::Status AddJson(absl::string_view text, absl::string_view where,
                     Package* package, JsonFlattener* flattener) {
  google::protobuf::Value value;
  absl::Status s = ParseJson(text, &value);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not JSON: ", s.message()));
  }
  if (!value.has_struct_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a JSON object"));
  }
  const auto& fields = value.struct_value().fields();
  if (auto contents = fields.find("contents"); contents != fields.end()) {
    const google::protobuf::ListValue& list = contents->second.list_value();
    for (int i = 0; i < list.values_size(); ++i) {
      std::string w = absl::StrCat(where, ":$.contents[", i, "]");
      if (!list.values(i).has_struct_value()) {
        package->problems.push_back(
            {w, "", "contents", "", "not a JSON object", true});
        continue;
      }
      if (absl::Status s = AddObject(list.values(i), w, package, flattener);
          !s.ok()) {
        package->problems.push_back(
            {w, "", "", "", std::string(s.message()), true});
      }
    }
    return absl::OkStatus();
  }
  if (absl::Status s =
          AddObject(value, absl::StrCat(where, ":$"), package, flattener);
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddJsonDocument(absl::string_view text, absl::string_view where,
                             Package* package) {
  JsonFlattener flattener(package);
  return AddJson(text, where, package, &flattener);
}

namespace internal {

absl::StatusOr<Package> ReadJsonFile(const fs::path& path) {
  absl::StatusOr<std::string> text = ReadFile(path, kMaxJsonBytes);
  if (!text.ok()) return text.status();
  Package package;
  JsonFlattener flattener(&package);
  const std::string name = path.filename().string();
  google::protobuf::Value whole;
  if (ParseJson(*text, &whole).ok()) {
    if (absl::Status s = AddJson(*text, name, &package, &flattener); !s.ok())
      return s;
    return package;
  }
  // Newline-delimited JSON: one object per line. The first line must be
  // one, or the file is not HSDS JSON at all.
  int line = 0;
  bool any = false;
  for (absl::string_view l : absl::StrSplit(*text, '\n')) {
    ++line;
    if (absl::StripAsciiWhitespace(l).empty()) continue;
    std::string where = absl::StrCat(name, ":", line);
    absl::Status s = AddJson(l, where, &package, &flattener);
    if (!s.ok()) {
      if (!any) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": neither a JSON document nor newline-delimited JSON (",
            s.message(), ")"));
      }
      package.problems.push_back(
          {where, "", "", "", std::string(s.message()), true});
    }
    any = true;
  }
  return package;
}

}  // namespace internal
}  // namespace civhub::hsds
