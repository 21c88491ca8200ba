#include "hsds/package_writer.h"

#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <ostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace civhub::hsds {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A number as HSDS CSV holds it: whole numbers without a decimal point.
std::string NumberText(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 &&
      v > -1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.15g", v);
}

// The cell of `field` in `m`: "" when unset.
std::string Cell(const Message& m, const FieldDescriptor* field) {
  const auto* refl = m.GetReflection();
  if (field->has_presence() && !refl->HasField(m, field)) return "";
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return refl->GetString(m, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return NumberText(refl->GetDouble(m, field));
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(refl->GetInt32(m, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return refl->GetBool(m, field) ? "true" : "false";
    default:
      return "";
  }
}

// Writes `path` through a temporary file renamed into place; `write`
// appends the contents to the stream it is given, a piece at a time.
absl::Status WriteStreamed(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) write(out);
    out.flush();
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat(tmp, ": cannot write: ", std::strerror(errno)));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string Json(const Message& m, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = pretty;
  std::string out;
  // Printing a message we built cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

// Writes `n` items (`item(i)` gives each) as one page of HSDS's paged
// envelope, pretty-printed, or one per line: item by item, so that only
// one is held as JSON at a time.
template <typename Item>
void WriteItems(std::ostream& out, size_t n, bool ndjson,
                const std::function<Item(size_t)>& item) {
  if (ndjson) {
    for (size_t i = 0; i < n; ++i) out << Json(item(i), false) << "\n";
    return;
  }
  out << "{\n  \"total_items\": " << n << ",\n  \"total_pages\": 1,\n"
      << "  \"page_number\": 1,\n  \"size\": " << n
      << ",\n  \"first_page\": true,\n  \"last_page\": true,\n"
      << "  \"empty\": " << (n == 0 ? "true" : "false")
      << ",\n  \"contents\": [";
  for (size_t i = 0; i < n; ++i) {
    std::string text = Json(item(i), true);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    out << (i == 0 ? "\n    " : ",\n    ")
        << absl::StrReplaceAll(text, {{"\n", "\n    "}});
  }
  out << (n == 0 ? "]\n}\n" : "\n  ]\n}\n");
}

}  // namespace

absl::Span<const TableSpec> PackageTables() {
  static const std::vector<TableSpec>* const kTables =
      new std::vector<TableSpec>{
#include "hsds/internal/tables.inc"
      };
  return *kTables;
}

const TableSpec* FindTable(absl::string_view name) {
  for (const TableSpec& t : PackageTables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& c = cells[i];
    if (c.find_first_of(",\"\r\n") == std::string::npos &&
        (c.empty() || (c.front() != ' ' && c.back() != ' '))) {
      out += c;
      continue;
    }
    out += '"';
    for (char ch : c) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

std::map<std::string, std::string>& PackageWriter::Table(
    absl::string_view name) {
  return tables_[std::string(name)];
}

void PackageWriter::AddRow(absl::string_view table, const Message& row) {
  if (output_ == Output::kJson) return;
  const TableSpec* spec = FindTable(table);
  if (spec == nullptr) return;
  std::vector<std::string> cells;
  cells.reserve(spec->columns.size());
  for (const TableColumn& column : spec->columns) {
    const FieldDescriptor* field =
        row.GetDescriptor()->FindFieldByName(column.name);
    cells.push_back(field == nullptr || field->is_repeated() ||
                            field->cpp_type() ==
                                FieldDescriptor::CPPTYPE_MESSAGE
                        ? std::string()
                        : Cell(row, field));
  }
  // Every table's first column is its id.
  std::string id = cells.empty() ? std::string() : cells.front();
  std::map<std::string, std::string>& rows = Table(table);
  if (rows.count(id) == 0) rows.emplace(std::move(id), CsvLine(cells));
}

void PackageWriter::AddLocation(const v3::Location& location) {
  AddRow("location", location);
  for (const v3::Address& a : location.addresses()) AddRow("address", a);
  for (const v3::Phone& p : location.phones()) AddRow("phone", p);
  AddAttributes(location.attributes());
}

void PackageWriter::AddAttributes(
    const google::protobuf::RepeatedPtrField<v3::Attribute>& attributes) {
  for (const v3::Attribute& a : attributes) {
    AddRow("attribute", a);
    if (a.has_taxonomy_term()) AddTerm(a.taxonomy_term());
  }
}

void PackageWriter::AddOrganization(const v3::Organization& organization) {
  if (!organization_ids_.insert(organization.id()).second) return;
  AddRow("organization", organization);
  for (const v3::Location& l : organization.locations()) AddLocation(l);
  for (const v3::Phone& p : organization.phones()) AddRow("phone", p);
  for (const v3::OrganizationIdentifier& i :
       organization.organization_identifiers()) {
    AddRow("organization_identifier", i);
  }
  AddAttributes(organization.attributes());
  for (const v3::Service& s : organization.services()) AddService(s);
  if (output_ == Output::kTabular) return;
  v3::Organization kept = organization;
  kept.clear_services();
  organizations_[organization.id()] = std::move(kept);
}

void PackageWriter::AddService(const v3::Service& service) {
  if (!service_ids_.insert(service.id()).second) return;
  AddRow("service", service);
  for (const v3::Phone& p : service.phones()) AddRow("phone", p);
  for (const v3::ServiceArea& a : service.service_areas()) {
    AddRow("service_area", a);
  }
  for (const v3::Language& l : service.languages()) AddRow("language", l);
  for (const v3::ServiceAtLocation& at : service.service_at_locations()) {
    AddRow("service_at_location", at);
    if (at.has_location()) AddLocation(at.location());
  }
  AddAttributes(service.attributes());
  if (output_ == Output::kTabular) return;
  v3::Service kept = service;
  kept.clear_organization();
  services_[service.id()] = std::move(kept);
}

void PackageWriter::AddTaxonomy(const v3::Taxonomy& taxonomy) {
  AddRow("taxonomy", taxonomy);
}

void PackageWriter::AddTerm(const v3::TaxonomyTerm& term) {
  AddRow("taxonomy_term", term);
}

absl::Status PackageWriter::WriteTabular(const std::string& dir) const {
  if (output_ == Output::kJson) {
    return absl::FailedPreconditionError(
        "this writer keeps what HSDS JSON needs, not the tables");
  }
  // datapackage.json, written in a fixed order (a protobuf Struct's keys
  // would come out in any order).
  std::string package = absl::StrCat(
      "{\n  \"name\": \"civhub-directory\",\n",
      "  \"title\": \"A civhub directory, as Open Referral HSDS 3.0\",\n",
      "  \"profile\": \"tabular-data-package\",\n", "  \"version\": \"3.0\",\n",
      "  \"homepage\": \"https://docs.openreferral.org/en/3.0/\",\n",
      "  \"resources\": [");
  bool first_table = true;
  for (const TableSpec& t : PackageTables()) {
    absl::StrAppend(&package, first_table ? "\n" : ",\n", "    {\"name\": \"",
                    t.name, "\", \"path\": \"", t.path,
                    "\", \"format\": \"csv\", \"mediatype\": \"text/csv\", "
                    "\"profile\": \"tabular-data-resource\",\n"
                    "     \"schema\": {\"primaryKey\": \"id\", \"fields\": [");
    first_table = false;
    std::vector<std::string> header;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const TableColumn& c = t.columns[i];
      absl::StrAppend(&package, i == 0 ? "\n" : ",\n", "       {\"name\": \"",
                      c.name, "\", \"type\": \"", c.type, "\"");
      if (*c.format != '\0') {
        absl::StrAppend(&package, ", \"format\": \"", c.format, "\"");
      }
      package += "}";
      header.emplace_back(c.name);
    }
    package += "]}}";
    const auto rows = tables_.find(t.name);
    if (absl::Status s = WriteStreamed(absl::StrCat(dir, "/", t.path),
                                       [&](std::ostream& out) {
                                         out << CsvLine(header);
                                         if (rows == tables_.end()) return;
                                         for (const auto& [id, line] :
                                              rows->second) {
                                           out << line;
                                         }
                                       });
        !s.ok()) {
      return s;
    }
  }
  package += "\n  ]\n}\n";
  return WriteStreamed(absl::StrCat(dir, "/datapackage.json"),
                       [&](std::ostream& out) { out << package; });
}

absl::Status PackageWriter::WriteJson(const std::string& dir,
                                      bool ndjson) const {
  if (output_ == Output::kTabular) {
    return absl::FailedPreconditionError(
        "this writer keeps the tables, not what HSDS JSON needs");
  }
  // Each organization with its services, and the services whose
  // organization is not here; an organization is copied only as written.
  std::map<std::string, std::vector<const v3::Service*>> services_of;
  std::vector<const v3::Service*> lone;
  for (const auto& [id, service] : services_) {
    if (organizations_.count(service.organization_id()) > 0) {
      services_of[service.organization_id()].push_back(&service);
    } else {
      lone.push_back(&service);
    }
  }
  std::vector<const v3::Organization*> orgs;
  orgs.reserve(organizations_.size());
  for (const auto& [id, org] : organizations_) orgs.push_back(&org);
  const char* ext = ndjson ? ".ndjson" : ".json";
  if (absl::Status s =
          WriteStreamed(absl::StrCat(dir, "/organizations", ext),
                        [&](std::ostream& out) {
                          WriteItems<v3::Organization>(
                              out, orgs.size(), ndjson, [&](size_t i) {
                                v3::Organization org = *orgs[i];
                                if (auto it = services_of.find(org.id());
                                    it != services_of.end()) {
                                  for (const v3::Service* svc : it->second) {
                                    *org.add_services() = *svc;
                                  }
                                }
                                return org;
                              });
                        });
      !s.ok()) {
    return s;
  }
  return WriteStreamed(
      absl::StrCat(dir, "/services", ext), [&](std::ostream& out) {
        WriteItems<v3::Service>(out, lone.size(), ndjson,
                                [&](size_t i) { return *lone[i]; });
      });
}

}  // namespace civhub::hsds
